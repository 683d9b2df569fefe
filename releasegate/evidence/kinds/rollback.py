"""``kind: rollback``: what a rollback drill found: the versions before and after, and whether
each record the candidate wrote is still served by the previous release."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import model_validator

from releasegate.evidence.registry import (
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Scope,
    Sourced,
    register,
)
from releasegate.model import Strict


class DataRecord(Strict):
    what: str  # "lead", "feedback"
    written: bool  # the candidate stored it (else the drill could not write it: no data)
    served: bool  # the previous release still serves it
    detail: str

    @model_validator(mode="after")
    def _served_only_if_written(self) -> DataRecord:
        if self.served and not self.written:
            raise ValueError(f"{self.what}: served although never written")
        return self


class RollbackData(KindData):
    KIND = "rollback"

    candidate_version: str | None
    previous_version: str | None
    records: list[DataRecord]


def measure_version_changed(
    scope: Scope, files: Sequence[Sourced[RollbackData]]
) -> Measurement | NoData:
    """1 when every drill saw the previous release report a version other than the
    candidate's, 0 when one did not; a version that was not reported is NO_DATA."""
    drills = [f.data for f in files]
    unknown = [d for d in drills if not (d.candidate_version and d.previous_version)]
    if not drills or unknown:
        return NoData("a release did not report its version, so the rollback is unproven")
    same = [d for d in drills if d.candidate_version == d.previous_version]
    summary = ", ".join(f"{d.candidate_version} -> {d.previous_version}" for d in drills)
    if same:
        return Measurement(0, len(drills), f"version unchanged after rollback: {summary}")
    return Measurement(1, len(drills), f"rolled back {summary}")


def measure_data_kept(scope: Scope, files: Sequence[Sourced[RollbackData]]) -> Measurement | NoData:
    """Records the candidate wrote that the previous release still serves / records written."""
    records = [r for f in files for r in f.data.records]
    unwritten = [r for r in records if not r.written]
    written = [r for r in records if r.written]
    if not written:
        why = "; ".join(r.detail for r in unwritten) or "the drill wrote nothing"
        return NoData(f"the candidate wrote no data to check: {why}")
    kept = [r for r in written if r.served]
    lost = [f"{r.what}: {r.detail}" for r in written if not r.served]
    summary = f"{len(kept)} of {len(written)} records the candidate wrote are still served"
    if unwritten:
        summary += f" ({len(unwritten)} could not be written)"
    return Measurement(
        len(kept) / len(written), len(written), summary, successes=len(kept), details=lost
    )


KIND = register(
    Kind(
        name="rollback",
        description="a rollback drill: versions and data kept across the rollback",
        data_model=RollbackData,
        metrics=(
            Metric("rollback.version_changed", "count",
                   "1 when the previous release reports another version than the candidate",
                   measure_version_changed),
            Metric("rollback.data_kept", "ratio",
                   "records the candidate wrote that the previous release still serves",
                   measure_data_kept),
        ),
    )
)  # fmt: skip
