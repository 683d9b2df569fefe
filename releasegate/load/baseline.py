"""A load baseline: the p95 and throughput of an earlier accepted run, read from its load
evidence file or from its decision.json, to be carried in this run's load evidence.

Hook for a history store: whatever picks the baseline (the last PROMOTE of the same target and
stage) hands its decision.json or load evidence path to :func:`read_baseline`; the load phase and
the locustfile do the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from releasegate.errors import UserError
from releasegate.evidence.envelope import SCHEMA, Evidence
from releasegate.evidence.kinds.load import (
    AGGREGATED,
    P95_METRIC,
    THROUGHPUT_METRIC,
    Baseline,
    LoadData,
    latency,
    measure_throughput,
)
from releasegate.evidence.registry import Measurement, Scope, Sourced
from releasegate.gate.decision import DECISION_SCHEMA, Decision
from releasegate.load.settings import LoadSettings

Values = tuple[dict[str, float], dict[str, float], str | None]  # p95, throughput, run id


def _from_evidence(payload: dict[str, Any], shown: str) -> Values:
    envelope = Evidence.model_validate(payload)
    if envelope.kind != "load":
        raise UserError(f"{shown}: a {envelope.kind} evidence file, not load evidence")
    data = LoadData.model_validate(envelope.data)
    files = [Sourced(shown, data)]
    p95: dict[str, float] = {}
    throughput: dict[str, float] = {}
    for name in [AGGREGATED, *sorted({e.name for e in data.entries})]:
        scope = Scope(select={"name": name}, stage_suites=())
        measured = latency("p95")(scope, files)
        if isinstance(measured, Measurement):
            p95[name] = measured.value
        rate = measure_throughput(scope, files)
        if isinstance(rate, Measurement):
            throughput[name] = rate.value
    return p95, throughput, envelope.run_id


def _from_decision(
    payload: dict[str, Any],
) -> tuple[dict[str, float], dict[str, float], str | None]:
    decision = Decision.model_validate(payload)
    p95: dict[str, float] = {}
    throughput: dict[str, float] = {}
    for check in decision.checks:
        if check.observed is None:
            continue
        name = check.select.get("name", AGGREGATED)
        if check.metric == P95_METRIC:
            p95[name] = check.observed
        elif check.metric == THROUGHPUT_METRIC:
            throughput[name] = check.observed
    return p95, throughput, decision.run_id


def read_baseline(path: Path, settings: LoadSettings) -> Baseline:
    """The baseline in ``path`` (load evidence or a decision), with the configured allowance;
    a UserError naming the file when it is neither or holds no load values."""
    shown = str(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{shown}: cannot read the load baseline: {exc.strerror}") from None
    except ValueError as exc:
        raise UserError(f"{shown}: the load baseline is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise UserError(f"{shown}: not a load evidence file or a decision.json")
    values: Values
    try:
        if payload.get("schema") == SCHEMA:
            values = _from_evidence(payload, shown)
        elif payload.get("schema") == DECISION_SCHEMA:
            values = _from_decision(payload)
        else:
            raise UserError(f"{shown}: not a load evidence file or a decision.json (schema "
                            f"{payload.get('schema')!r})")  # fmt: skip
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise UserError(f"{shown}: not a valid baseline: {where}: {problem['msg']}") from None
    p95, throughput, run_id = values
    if not p95 and not throughput:
        raise UserError(f"{shown}: holds no load p95 or throughput to compare with")
    return Baseline(
        source=shown, run_id=run_id, p95_ms=p95, throughput=throughput,
        relative=settings.regression_relative, floor_ms=settings.regression_floor_ms,
    )  # fmt: skip
