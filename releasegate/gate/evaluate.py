"""Weigh evidence against the stage's checks. Fails closed: whatever is missing blocks."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from releasegate.config import Check, Config
from releasegate.evidence.io import EvidenceFile, EvidenceSet, Problem
from releasegate.evidence.schema import Evidence
from releasegate.gate.decision import CheckResult, Decision, EvidenceRef, TargetInfo
from releasegate.gate.measure import MEASURES, Measurement, NoData
from releasegate.gate.stats import wilson_lower_bound

OPERATORS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
CLOCK_SKEW = timedelta(minutes=5)


def format_value(check: Check, value: float) -> str:
    return f"{value * 100:.1f} %" if check.is_rate else f"{value:g}"


def format_threshold(check: Check) -> str:
    return f"{check.op} {format_value(check, check.threshold)}"


@dataclass
class GateRequest:
    """What to decide: a stage, the evidence found, and what that evidence must belong to."""

    config: Config
    stage: str
    evidence: EvidenceSet
    now: datetime
    run_id: str | None = None
    target: TargetInfo | None = None
    skipped_suites: Mapping[str, str] = field(default_factory=dict)
    checks: list[str] | None = None  # a subset of the stage's checks (smoke's early verdict)


def _display_path(path: Path) -> str:
    """Relative to the working folder when inside it, so reports stay short and portable."""
    absolute = path.absolute()
    return (
        str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(path)
    )


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


def _no_data(check_id: str, check: Check, reason: str, samples: int = 0) -> CheckResult:
    return CheckResult(
        id=check_id,
        level=check.level,
        verdict="NO_DATA",
        observed=None,
        threshold=f"{check.op} {check.threshold:g}",
        samples=samples,
        reason=reason,
    )


def _judge(check_id: str, check: Check, measured: Measurement) -> CheckResult:
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
                f"; its {check.confidence:.0%} Wilson lower bound {format_value(check, bound)} "
                f"does not meet {format_threshold(check)}"
            )
    if measured.details and not passed:
        reason += "".join(f"\nfailing: {detail}" for detail in measured.details)
        if measured.omitted:
            reason += f"\n(and {measured.omitted} more failing)"
    verdict = "PASS" if passed else ("FAIL" if check.level == "block" else "WARN")
    return CheckResult(
        id=check_id,
        level=check.level,
        verdict=verdict,
        observed=measured.value,
        threshold=f"{check.op} {check.threshold:g}",
        samples=measured.samples,
        reason=reason,
    )


def _evaluate_check(
    check_id: str,
    check: Check,
    files: list[EvidenceFile],
    problems: list[Problem],
    request: GateRequest,
) -> CheckResult:
    suites = [check.suite] if check.suite else request.config.stages[request.stage].suites
    skipped = [f"{s} ({request.skipped_suites[s]})" for s in suites if s in request.skipped_suites]
    if skipped:
        return _no_data(check_id, check, "not run: " + ", ".join(skipped))
    blocking = [p for p in problems if p.kind in (None, check.kind)]
    if blocking:
        shown = "; ".join(f"{_display_path(p.path)}: {p.reason}" for p in blocking[:3])
        more = f" (and {len(blocking) - 3} more)" if len(blocking) > 3 else ""
        return _no_data(check_id, check, f"unusable evidence: {shown}{more}")
    mine = [f for f in files if f.kind == check.kind]
    if not mine:
        where = ", ".join(_display_path(p) for p in request.evidence.folders) or "no folder"
        return _no_data(check_id, check, f"no '{check.kind}' evidence in {where}")
    measured = MEASURES[check.metric](check, mine, suites)
    if isinstance(measured, NoData):
        return _no_data(check_id, check, measured.reason)
    if measured.samples < check.min_samples:
        return _no_data(
            check_id,
            check,
            f"{measured.summary}: {measured.samples} samples, fewer than min_samples "
            f"{check.min_samples}",
            samples=measured.samples,
        )
    return _judge(check_id, check, measured)


def evaluate(request: GateRequest) -> Decision:
    """Evaluate every check of the stage; the decision is BLOCK unless all block-level pass."""
    config = request.config
    current, stale, run_id = _partition(request)
    problems = request.evidence.problems + stale
    check_ids = config.stages[request.stage].checks if request.checks is None else request.checks
    results = [
        _evaluate_check(check_id, config.policy.checks[check_id], current, problems, request)
        for check_id in check_ids
    ]
    target = request.target
    if target is None:
        seen = current[-1].envelope.target if current else None
        target = TargetInfo(
            base_url=seen.base_url if seen else None, version=seen.version if seen else None
        )
    return Decision(
        decision="BLOCK" if any(r.blocks for r in results) else "PROMOTE",
        stage=request.stage,
        run_id=run_id,
        target=target,
        policy_sha256=config.policy_sha256(request.stage),
        checks=results,
        evidence=[
            EvidenceRef(file=_display_path(f.path), sha256=f.sha256, kind=f.kind) for f in current
        ],
    )
