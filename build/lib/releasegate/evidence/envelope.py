"""The evidence file format (``releasegate.evidence/v1``): one envelope around a kind's data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from releasegate.evidence.registry import KindData
from releasegate.model import Strict, Timestamp

SCHEMA: Literal["releasegate.evidence/v1"] = "releasegate.evidence/v1"


class TargetRef(Strict):
    base_url: str
    version: str | None = None


class Producer(Strict):
    tool: str
    version: str


class Evidence(Strict):
    """The envelope every producer writes; ``data`` is validated per kind by the reader."""

    schema_: Literal["releasegate.evidence/v1"] = Field(SCHEMA, alias="schema")
    kind: str = Field(min_length=1)
    run_id: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    target: TargetRef
    produced_at: Timestamp
    producer: Producer
    data: dict[str, Any]

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def make_evidence(
    data: KindData,
    run_id: str,
    stage: str,
    target: TargetRef,
    producer: Producer,
    produced_at: datetime,
) -> Evidence:
    """Wrap a kind's data; the kind comes from the data model, so it cannot be mislabelled."""
    return Evidence(
        kind=data.KIND,
        run_id=run_id,
        stage=stage,
        target=target,
        produced_at=produced_at,
        producer=producer,
        data=data.model_dump(mode="json"),
    )
