"""The decision format (``releasegate.decision/v1``) shared by every renderer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DECISION_SCHEMA = "releasegate.decision/v1"
Verdict = Literal["PASS", "WARN", "FAIL", "NO_DATA"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CheckResult(Model):
    id: str
    level: Literal["block", "warn"]
    verdict: Verdict
    observed: float | None
    threshold: str
    baseline: float | None = None
    samples: int
    reason: str

    @property
    def blocks(self) -> bool:
        return self.level == "block" and self.verdict in ("FAIL", "NO_DATA")


class TargetInfo(Model):
    base_url: str | None
    version: str | None


class EvidenceRef(Model):
    file: str
    sha256: str
    kind: str


class Decision(Model):
    schema_: Literal["releasegate.decision/v1"] = Field(DECISION_SCHEMA, alias="schema")
    decision: Literal["PROMOTE", "BLOCK"]
    stage: str
    run_id: str | None
    target: TargetInfo
    policy_sha256: str
    baseline: dict[str, object] | None = None
    checks: list[CheckResult]
    evidence: list[EvidenceRef]

    @property
    def blocking(self) -> list[CheckResult]:
        return [c for c in self.checks if c.blocks]

    def dump(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
