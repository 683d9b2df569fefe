"""Weigh evidence against the stage's checks. Fails closed: whatever is missing blocks."""

from __future__ import annotations

import operator
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasegate.config import Check, Config
from releasegate.evidence.envelope import Evidence
from releasegate.evidence.io import EvidenceFile, EvidenceSet, Problem
from releasegate.evidence.registry import (
    KindData,
    Measurement,
    NoData,
    Scope,
    Sourced,
    format_value,
)
from releasegate.gate.decision import CheckResult, Decision, EvidenceRef, TargetInfo, WaiverInfo
from releasegate.stats import wilson_lower_bound

if TYPE_CHECKING:
    from releasegate.history import Baseline

OPERATORS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
CLOCK_SKEW = timedelta(minutes=5)


def format_threshold(check: Check) -> str:
    return f"{check.op} {format_value(check.info.unit, check.threshold)}"


@dataclass(frozen=True)
class SkippedPhase:
    """Work of the run that did not happen, and what it would have produced: the checks of
    those kinds and suites are NO_DATA with this reason."""

    reason: str
    suites: tuple[str, ...] = ()  # the suites it would have run (empty: none in particular)
    kinds: frozenset[str] | None = None  # the kinds it would have produced (None: any)

    def affects(self, check: Check, scope: Scope) -> bool:
        if self.kinds is not None and check.kind not in self.kinds:
            return False
        return not self.suites or bool(set(self.suites) & set(scope.suites))


@dataclass
class GateRequest:
    """What to decide: a stage, the evidence found, and what that evidence must belong to."""

    config: Config
    stage: str
    evidence: EvidenceSet
    now: datetime
    run_id: str | None = None
    target: TargetInfo | None = None
    skipped: Mapping[str, SkippedPhase] = field(default_factory=dict)  # by phase name
    checks: list[str] | None = None  # a subset of the stage's checks (smoke's early verdict)
    home: Path = field(default_factory=Path.cwd)  # where the decision is written: paths in it
    # are relative to this folder
    baseline: Baseline | None = None  # what relative checks and new failures compare with


def relative(path: Path, home: Path) -> str:
    """A path as the decision names it: relative to the decision's own folder."""
    return os.path.relpath(path.absolute(), home.absolute())


def newest(files: list[EvidenceFile], now: datetime) -> EvidenceFile | None:
    """The most recent evidence not dated in the future (a future date proves nothing)."""
    dated = [f for f in files if f.envelope.produced_at <= now + CLOCK_SKEW]
    return max(dated, key=lambda f: f.envelope.produced_at, default=None)


def _staleness(
    env: Evidence, request: GateRequest, run_id: str | None, version: str | None
) -> str | None:
    max_age = timedelta(hours=request.config.policy.evidence_max_age_hours)
    if env.produced_at > request.now + CLOCK_SKEW:
        return f"stale: dated {env.produced_at.isoformat()}, in the future"
    if env.run_id != run_id:
        return f"stale: from run {env.run_id}, not run {run_id}"
    if env.stage != request.stage:
        return f"stale: produced for stage '{env.stage}', not '{request.stage}'"
    if version and env.target.version and env.target.version != version:
        return f"stale: target version {env.target.version}, not {version}"
    if request.now - env.produced_at > max_age:
        return f"stale: produced at {env.produced_at.isoformat()}, older than {max_age}"
    return None


def _partition(request: GateRequest) -> tuple[list[EvidenceFile], list[Problem], str | None]:
    """Split evidence into this run's and stale files (other run, stage, target, too old or
    dated in the future)."""
    latest = newest(request.evidence.files, request.now)
    run_id = request.run_id or (latest.envelope.run_id if latest else None)
    version = request.target.version if request.target else None
    if request.target is None and latest:
        version = latest.envelope.target.version
    current: list[EvidenceFile] = []
    stale: list[Problem] = []
    for f in sorted(request.evidence.files, key=lambda f: f.envelope.produced_at):
        reason = _staleness(f.envelope, request, run_id, version)
        if reason is None:
            current.append(f)
        else:
            stale.append(Problem(f.path, f.kind, reason))
    return current, stale, run_id


def _result(
    check_id: str, check: Check, verdict: str, reason: str, measured: Measurement | None = None
) -> CheckResult:
    unit = check.info.unit
    observed = measured.value if measured and verdict != "NO_DATA" else None
    return CheckResult.model_validate(
        {
            "id": check_id,
            "level": check.level,
            "verdict": verdict,
            "observed": observed,
            "threshold": f"{check.op} {check.threshold:g}",
            "samples": measured.samples if measured else 0,
            "reason": reason,
            "metric": check.metric,
            "select": dict(check.select),
            "unit": unit,
            "description": check.description,
            "requirement": check.requirement,
            "observed_text": None if observed is None else format_value(unit, observed),
            "threshold_text": format_threshold(check),
        }
    )


def judge(check_id: str, check: Check, measured: Measurement | NoData) -> CheckResult:
    """The verdict on one measured value: threshold, minimum samples, confidence bound."""
    if isinstance(measured, NoData):
        return _result(check_id, check, "NO_DATA", measured.reason)
    if measured.samples < check.min_samples:
        reason = (
            f"{measured.summary}: {measured.samples} samples, fewer than min_samples "
            f"{check.min_samples}"
        )
        return _result(check_id, check, "NO_DATA", reason, measured)
    compare = OPERATORS[check.op]
    passed = compare(measured.value, check.threshold)
    reason = measured.summary
    if not passed:
        reason += f"; required {format_threshold(check)}"
    elif check.confidence is not None and measured.successes is not None:
        bound = wilson_lower_bound(measured.successes, measured.samples, check.confidence)
        if not compare(bound, check.threshold):
            passed = False
            reason += (
                f"; its {check.confidence:.0%} Wilson lower bound "
                f"{format_value(check.info.unit, bound)} does not meet {format_threshold(check)}"
            )
    if measured.details and not passed:
        reason += "".join(f"\nfailing: {detail}" for detail in measured.details)
        if measured.omitted:
            reason += f"\n(and {measured.omitted} more failing)"
    verdict = "PASS" if passed else ("FAIL" if check.level == "block" else "WARN")
    return _result(check_id, check, verdict, reason, measured)


def assess(
    check_id: str, check: Check, data: Sequence[Sourced[Any]], stage_suites: Sequence[str]
) -> CheckResult:
    """Measure and judge one check on a kind's data, from files or held in memory."""
    scope = Scope(select=check.select, stage_suites=tuple(stage_suites))
    return judge(check_id, check, check.info.measure(scope, data))


def _evaluate_check(
    check_id: str,
    check: Check,
    files: list[EvidenceFile],
    problems: list[Problem],
    request: GateRequest,
) -> CheckResult:
    stage_suites = request.config.stages[request.stage].suites
    scope = Scope(select=check.select, stage_suites=tuple(stage_suites))
    skipped = [
        f"{name} ({p.reason})" for name, p in request.skipped.items() if p.affects(check, scope)
    ]
    if skipped:
        return _result(check_id, check, "NO_DATA", "not run: " + ", ".join(skipped))
    blocking = [p for p in problems if p.kind in (None, check.kind)]
    if blocking:
        shown = "; ".join(f"{relative(p.path, request.home)}: {p.reason}" for p in blocking[:3])
        more = f" (and {len(blocking) - 3} more)" if len(blocking) > 3 else ""
        return _result(check_id, check, "NO_DATA", f"unusable evidence: {shown}{more}")
    mine = [
        Sourced(relative(f.path, request.home), f.data)
        for f in files
        if f.kind == check.kind and isinstance(f.data, KindData)
    ]
    if not mine:
        where = ", ".join(relative(p, request.home) for p in request.evidence.folders)
        return _result(
            check_id, check, "NO_DATA", f"no '{check.kind}' evidence in {where or 'no folder'}"
        )
    return assess(check_id, check, mine, stage_suites)


def _waive(result: CheckResult, config: Config, today: date) -> CheckResult:
    """Apply the check's waiver: a FAIL becomes a waived pass while the waiver lasts; NO_DATA
    is never waived, and an expired waiver is ignored, both saying so."""
    waiver = config.policy.waiver(result.id)
    if waiver is None or result.verdict in ("PASS", "WARN"):
        return result
    applied = result.verdict == "FAIL" and waiver.active(today)
    if applied:
        note = f"waived until {waiver.expires} by {waiver.owner}: {waiver.reason}"
    elif result.verdict == "NO_DATA":
        note = f"the waiver by {waiver.owner} covers failures, never missing evidence"
    else:
        note = f"the waiver by {waiver.owner} expired on {waiver.expires} and is ignored"
    info = WaiverInfo(
        reason=waiver.reason, owner=waiver.owner, expires=waiver.expires.isoformat(),
        applied=applied,
    )  # fmt: skip
    return result.model_copy(update={"waiver": info, "reason": f"{result.reason}\n{note}"})


def _against_baseline(result: CheckResult, check: Check, baseline: Decision | None) -> CheckResult:
    """Show the baseline's value beside this one, and fail a regression beyond the check's
    relative limit and noise floor."""
    before = next((c for c in baseline.checks if c.id == result.id), None) if baseline else None
    value = before.observed if before and before.metric == result.metric else None
    update: dict[str, object] = {"baseline": value}
    limit = check.regression
    if limit is None or result.verdict == "NO_DATA" or result.observed is None:
        return result.model_copy(update=update)
    unit = check.info.unit
    if value is None:
        why = "no baseline yet" if baseline is None else "the baseline has no value for it"
        update["reason"] = f"{result.reason}\nnot compared with a baseline: {why}"
        return result.model_copy(update=update)
    margin = max(limit.relative * abs(value), limit.floor)
    lower_is_better = check.op in ("<", "<=")
    worse_by = result.observed - value if lower_is_better else value - result.observed
    allowed = (
        f"max({limit.relative:.0%} of it, floor {format_value(unit, limit.floor)}) = "
        f"{format_value(unit, margin)}"
    )
    comparison = (
        f"{format_value(unit, result.observed)} against baseline {format_value(unit, value)} "
        f"(run {baseline.run_id if baseline else '?'})"
    )
    if worse_by > margin:
        update["reason"] = f"{result.reason}\nregressed: {comparison}, worse by more than {allowed}"
        if result.verdict == "PASS":
            update["verdict"] = "FAIL" if check.level == "block" else "WARN"
    else:
        update["reason"] = f"{result.reason}\nwithin {allowed} of the baseline: {comparison}"
    return result.model_copy(update=update)


def failing_tests(files: Sequence[EvidenceFile]) -> set[str]:
    return _tests_with(files, ("failed", "error"))


def passing_tests(files: Sequence[EvidenceFile]) -> set[str]:
    return _tests_with(files, ("passed",))


def _tests_with(files: Sequence[EvidenceFile], outcomes: tuple[str, ...]) -> set[str]:
    from releasegate.evidence.kinds.tests import TestsData

    return {
        t.nodeid
        for f in files
        if isinstance(f.data, TestsData)
        for t in f.data.tests
        if t.outcome in outcomes
    }


def evaluate(request: GateRequest) -> Decision:
    """Evaluate every check of the stage; the decision is BLOCK unless all block-level pass."""
    config = request.config
    current, stale, run_id = _partition(request)
    problems = request.evidence.problems + stale
    check_ids = config.stages[request.stage].checks if request.checks is None else request.checks
    before = request.baseline.decision if request.baseline else None
    results = []
    for check_id in check_ids:
        check = config.policy.checks[check_id]
        result = _evaluate_check(check_id, check, current, problems, request)
        result = _against_baseline(result, check, before)
        results.append(_waive(result, config, request.now.date()))
    new_failures = (
        sorted(failing_tests(current) & request.baseline.passed_tests) if request.baseline else []
    )
    target = request.target
    if target is None:
        seen = current[-1].envelope.target if current else None
        target = TargetInfo(
            base_url=seen.base_url if seen else None,
            version=seen.version if seen else None,
            name=config.target.name,
        )
    return Decision(
        decision="BLOCK" if any(r.blocks for r in results) else "PROMOTE",
        stage=request.stage,
        run_id=run_id,
        target=target,
        policy_sha256=config.policy_sha256(request.stage),
        baseline=request.baseline.describe() if request.baseline else None,
        new_failures=new_failures,
        checks=results,
        evidence=[
            EvidenceRef(file=relative(f.path, request.home), sha256=f.sha256, kind=f.kind)
            for f in current
        ],
    )
