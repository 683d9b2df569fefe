"""The evidence file format (``releasegate.evidence/v1``) and the data of each kind."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from releasegate.validation import repeated

SCHEMA = "releasegate.evidence/v1"
Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TargetRef(Model):
    base_url: str
    version: str | None = None


class Producer(Model):
    tool: str
    version: str


class Evidence(Model):
    """The envelope every producer writes; ``data`` is validated per kind by the reader."""

    schema_: Literal["releasegate.evidence/v1"] = Field(SCHEMA, alias="schema")
    kind: str = Field(min_length=1)
    run_id: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    target: TargetRef
    produced_at: AwareDatetime
    producer: Producer
    data: dict[str, Any]

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class TestResult(Model):
    __test__ = False  # not a pytest test class
    nodeid: str
    outcome: Outcome
    duration_s: float = Field(ge=0)
    markers: list[str] = []
    message: str | None = None


class CollectionError(Model):
    nodeid: str
    message: str


def count_outcomes(tests: list[TestResult]) -> dict[str, int]:
    counts = Counter(t.outcome for t in tests)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


class TestsData(Model):
    """``kind: tests``: one pytest session.

    The counts are redundant with ``tests`` on purpose: a reader recomputes them, so a file that
    was cut short or edited by hand is caught instead of trusted.
    """

    __test__ = False  # not a pytest test class

    selection: str | None = None
    exit_code: int
    collected: int = Field(ge=0)
    counts: dict[str, int]
    by_marker: dict[str, dict[str, int]]
    collection_errors: list[CollectionError] = []
    tests: list[TestResult]

    @model_validator(mode="after")
    def _consistent(self) -> TestsData:
        if self.counts != count_outcomes(self.tests):
            raise ValueError("counts do not match the listed tests (file truncated or edited?)")
        for marker, counts in self.by_marker.items():
            if counts != count_outcomes([t for t in self.tests if marker in t.markers]):
                raise ValueError(f"by_marker.{marker} does not match the listed tests")
        if twice := repeated([t.nodeid for t in self.tests]):
            raise ValueError(f"test {twice[0]!r} is listed more than once")
        failing = self.counts["failed"] + self.counts["error"]
        if self.exit_code == 0 and failing:
            raise ValueError(f"exit_code 0 (all passed) but {failing} tests failed")
        if self.exit_code == 1 and not failing:
            raise ValueError("exit_code 1 (tests failed) but no failing test is listed")
        return self

    @classmethod
    def build(
        cls,
        tests: list[TestResult],
        markers: tuple[str, ...],
        collected: int,
        collection_errors: list[CollectionError],
        selection: str | None,
        exit_code: int,
    ) -> TestsData:
        return cls(
            selection=selection,
            exit_code=exit_code,
            collected=collected,
            counts=count_outcomes(tests),
            by_marker={m: count_outcomes([t for t in tests if m in t.markers]) for m in markers},
            collection_errors=collection_errors,
            tests=tests,
        )


DATA_MODELS: dict[str, type[BaseModel]] = {"tests": TestsData}


def make_evidence(
    kind: str,
    run_id: str,
    stage: str,
    target: TargetRef,
    producer: Producer,
    data: BaseModel,
    produced_at: datetime,
) -> Evidence:
    return Evidence(
        kind=kind,
        run_id=run_id,
        stage=stage,
        target=target,
        produced_at=produced_at,
        producer=producer,
        data=data.model_dump(mode="json"),
    )
