"""The decision format (``releasegate.decision/v1``) shared by every renderer.

A decision carries everything a renderer needs (units, descriptions, formatted values), so a
``decision.json`` read back from disk renders the same with no config at hand."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from releasegate.model import Strict

DECISION_SCHEMA: Literal["releasegate.decision/v1"] = "releasegate.decision/v1"
Verdict = Literal["PASS", "WARN", "FAIL", "NO_DATA"]


class WaiverInfo(Strict):
    reason: str
    owner: str
    expires: str  # ISO date
    applied: bool  # False: it had expired, or the check had no data (never waived)


class CheckResult(Strict):
    id: str
    level: Literal["block", "warn"]
    verdict: Verdict
    observed: float | None
    threshold: str
    baseline: float | None = None
    samples: int
    reason: str
    # Additive fields, for rendering without the config (older decisions lack them).
    metric: str | None = None
    select: dict[str, str] = {}
    unit: str | None = None
    description: str = ""
    requirement: str | None = None
    observed_text: str | None = None
    threshold_text: str | None = None
    waiver: WaiverInfo | None = None

    @property
    def waived(self) -> bool:
        return self.waiver is not None and self.waiver.applied

    @property
    def blocks(self) -> bool:
        return self.level == "block" and self.verdict in ("FAIL", "NO_DATA") and not self.waived

    @property
    def shown_verdict(self) -> str:
        return "WAIVED" if self.waived else self.verdict

    @property
    def shown_observed(self) -> str:
        if self.observed is None:
            return "-"
        return self.observed_text or f"{self.observed:g}"

    @property
    def shown_threshold(self) -> str:
        return self.threshold_text or self.threshold

    @property
    def shown_baseline(self) -> str:
        if self.baseline is None:
            return "-"
        from releasegate.evidence.registry import format_value

        return format_value(self.unit or "", self.baseline)


class TargetInfo(Strict):
    base_url: str | None
    version: str | None
    name: str | None = None  # additive: the target's name from the config


class EvidenceRef(Strict):
    file: str  # relative to the folder the decision is written to
    sha256: str
    kind: str


class Decision(Strict):
    schema_: Literal["releasegate.decision/v1"] = Field(DECISION_SCHEMA, alias="schema")
    decision: Literal["PROMOTE", "BLOCK"]
    stage: str
    run_id: str | None
    target: TargetInfo
    policy_sha256: str
    baseline: dict[str, object] | None = None  # where the baseline came from, when there was one
    new_failures: list[str] = []  # tests that passed in the baseline and fail now (additive)
    checks: list[CheckResult]
    evidence: list[EvidenceRef]

    @property
    def blocking(self) -> list[CheckResult]:
        return [c for c in self.checks if c.blocks]

    @property
    def has_baseline(self) -> bool:
        return any(c.baseline is not None for c in self.checks)

    def baseline_line(self) -> str | None:
        """``baseline: run X (history #3, version 1.0.0)``, when there was one."""
        if not self.baseline:
            return None
        b = self.baseline
        return (
            f"baseline: run {b.get('run_id') or '-'} ({b.get('source')}, "
            f"version {b.get('version') or 'unknown'})"
        )

    def dump(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
