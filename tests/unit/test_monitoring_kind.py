"""``kind: monitoring``: each measure's NO_DATA paths, passes and failures, and records that
contradict themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from releasegate.evidence.kinds.monitoring import (
    CounterRecord,
    FileRecord,
    MonitoringData,
    ReferenceRecord,
    SliRecord,
    measure_counters,
    measure_invalid,
    measure_missing,
    measure_sli,
)
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def scope(**select: str) -> Scope:
    return Scope(select=select, stage_suites=("smoke", "monitoring"))


def files(**data: list) -> list[Sourced[MonitoringData]]:
    return [Sourced("m.json", MonitoringData(**data))]


def counter(event="chats", expected=2, observed=2.0, exact=True, **labels: str) -> CounterRecord:
    ok = observed is not None and (observed == expected if exact else observed >= expected)
    return CounterRecord(event=event, metric=f"bot_{event}_total", labels=labels,
                         expected=expected, observed=observed, exact=exact, ok=ok)  # fmt: skip


def test_counters_over_nothing_are_no_data():
    assert isinstance(measure_counters(scope(), files()), NoData)
    measured = measure_counters(scope(event="leads"), files(counters=[counter()]))
    assert isinstance(measured, NoData)
    assert "for event leads" in measured.reason


def test_counters_name_the_series_the_expected_and_the_observed():
    data = files(counters=[
        counter(intent="payment"),
        counter("disclaimers", 1, 0.0, intent="payment"),
        counter("handoffs", 1, None),
        counter("feedback", 1, 2.0, rating="2"),  # counted twice in a quiet window
        counter("leads", 1, 3.0, exact=False),  # busy window: others may add
    ])  # fmt: skip
    measured = measure_counters(scope(), data)
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples, measured.successes) == (0.4, 5, 2)
    assert measured.details == [
        'bot_disclaimers_total{intent="payment"} (disclaimers): expected exactly +1, observed +0',
        "bot_handoffs_total (handoffs): expected exactly +1, observed missing from /metrics",
        'bot_feedback_total{rating="2"} (feedback): expected exactly +1, observed +2',
    ]
    assert "4 compared exactly in a quiet window, 1 as lower bounds" in measured.summary
    only = measure_counters(scope(event="chats"), data)
    assert isinstance(only, Measurement)
    assert only.value == 1.0


def test_a_counter_record_that_contradicts_itself_is_rejected():
    with pytest.raises(ValidationError, match="'ok' does not follow"):
        CounterRecord(event="chats", metric="m", expected=1, observed=0.0, exact=False, ok=True)


def test_missing_metrics_name_file_place_and_metric():
    assert isinstance(measure_missing(scope(), files()), NoData)
    refs = [
        ReferenceRecord(file="d.json", where='panel "A" (line 3)', metric="a_total", exposed=True),
        ReferenceRecord(file="d.json", where='panel "B" (line 9)', metric="b_total", exposed=False),
    ]
    measured = measure_missing(scope(), files(references=refs))
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples) == (1, 2)
    assert measured.details == [
        'd.json panel "B" (line 9): b_total is not on the target\'s /metrics'
    ]


def test_invalid_files_are_counted_with_their_problem():
    assert isinstance(measure_invalid(scope(), files()), NoData)
    checked = [
        FileRecord(file="d.json", what="dashboard", valid=True),
        FileRecord(file="r.yml", what="rules", valid=False, problem="7:15: parse error"),
    ]
    measured = measure_invalid(scope(), files(files=checked))
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples, measured.details) == (
        1,
        2,
        ["r.yml: 7:15: parse error"],
    )
    with pytest.raises(ValidationError, match="invalid without a problem"):
        FileRecord(file="r.yml", what="rules", valid=False)


def sli(value: float | None, problem: str | None = None, name: str = "err") -> SliRecord:
    return SliRecord(name=name, query="q", prometheus="http://127.0.0.1:9", start=NOW,
                     end=NOW + timedelta(seconds=30), value=value, samples=40,
                     samples_query="s", problem=problem)  # fmt: skip


def test_an_sli_without_a_value_is_no_data_with_the_reason():
    missing = measure_sli(scope(name="err"), files())
    assert isinstance(missing, NoData)
    assert "was not measured" in missing.reason
    empty = measure_sli(scope(name="err"), files(slis=[sli(None, "empty result")]))
    assert isinstance(empty, NoData)
    assert empty.reason == (
        "SLI 'err' has no value over 06:00:00-06:00:30 UTC: empty result; query: q"
    )
    other = measure_sli(scope(name="p95"), files(slis=[sli(0.5)]))
    assert isinstance(other, NoData)


def test_an_sli_value_and_its_samples():
    measured = measure_sli(scope(name="err"), files(slis=[sli(0.02)]))
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples) == (0.02, 40)
    assert measured.summary.startswith("SLI 'err' = 0.02 over 06:00:00-06:00:30 UTC (40 samples")


def test_sli_records_must_explain_a_missing_value_and_have_a_window():
    with pytest.raises(ValidationError, match="no value and no problem"):
        sli(None)
    with pytest.raises(ValidationError, match="ends before it starts"):
        SliRecord(name="x", query="q", prometheus="p", start=NOW, end=NOW - timedelta(1),
                  value=1.0, samples=1, samples_query="s")  # fmt: skip
    with pytest.raises(ValidationError):
        sli(float("nan"))
