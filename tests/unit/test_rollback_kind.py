"""The rollback kind: a drill proves a rollback only with versions and data to compare."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from releasegate.config import Rollback
from releasegate.evidence.kinds.rollback import (
    DataRecord,
    RollbackData,
    measure_data_kept,
    measure_version_changed,
)
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced

SCOPE = Scope(select={}, stage_suites=("smoke",))


def drill(before: str | None, after: str | None, *records: DataRecord) -> list[Sourced]:
    data = RollbackData(candidate_version=before, previous_version=after, records=list(records))
    return [Sourced("rollback.json", data)]


def record(what: str, written: bool = True, served: bool = True) -> DataRecord:
    return DataRecord(what=what, written=written, served=served, detail=f"{what} detail")


def test_a_version_change_is_proven_only_when_both_releases_report_one():
    assert measure_version_changed(SCOPE, drill("1.0.0", "0.9.0")).value == 1
    same = measure_version_changed(SCOPE, drill("1.0.0", "1.0.0"))
    assert isinstance(same, Measurement)
    assert same.value == 0
    assert "version unchanged after rollback: 1.0.0 -> 1.0.0" in same.summary
    assert isinstance(measure_version_changed(SCOPE, drill("1.0.0", None)), NoData)
    assert isinstance(measure_version_changed(SCOPE, []), NoData)


def test_data_kept_counts_what_was_written_and_names_what_was_lost():
    kept = measure_data_kept(
        SCOPE, drill("1", "0", record("lead"), record("feedback", served=False))
    )
    assert isinstance(kept, Measurement)
    assert (kept.value, kept.samples, kept.successes) == (0.5, 2, 1)
    assert kept.details == ["feedback: feedback detail"]
    nothing = measure_data_kept(SCOPE, drill("1", "0", record("lead", written=False, served=False)))
    assert isinstance(nothing, NoData)
    assert "the candidate wrote no data to check: lead detail" in nothing.reason


def test_a_record_cannot_be_served_without_being_written():
    with pytest.raises(ValidationError, match="served although never written"):
        record("lead", written=False, served=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lead_path": "/api/leads"}, "lead_path must contain {reference}"),
        ({"feedback_path": "api/feedback/{id}"}, "must start with '/'"),
        ({"lead_reference": "PT-\\d+"}, "lead_reference needs a group"),
        ({"previous_launch": "python -m taxbot"}, "must contain {port}"),
    ],
)
def test_a_drill_config_that_cannot_work_is_named(change, message):
    with pytest.raises(ValidationError, match=message):
        Rollback.model_validate({"previous_launch": "run {port}", **change})
