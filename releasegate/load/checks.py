"""The policy's load checks judged by the gate's own code on load evidence held in memory (at
the end of a Locust test, and live in the web UI's tab)."""

from __future__ import annotations

from pathlib import Path

from releasegate.config import Config
from releasegate.evidence.kinds.load import LoadData
from releasegate.evidence.registry import Sourced
from releasegate.gate.decision import CheckResult
from releasegate.gate.evaluate import assess
from releasegate.load.session import Session


def load_checks(config: Config, stage: str) -> list[str]:
    """The stage's checks that read load evidence; the policy's, when the stage has none."""
    in_stage = [c for c in config.stages[stage].checks if config.policy.checks[c].kind == "load"]
    if in_stage:
        return in_stage
    return [c for c, check in config.policy.checks.items() if check.kind == "load"]


def judge_load(session: Session, data: LoadData, source: str = "live") -> list[CheckResult]:
    config = session.config
    suites = config.stages[session.stage].suites
    return [
        assess(check_id, config.policy.checks[check_id], [Sourced(source, data)], suites)
        for check_id in load_checks(config, session.stage)
    ]


def render(results: list[CheckResult], path: Path | None) -> str:
    lines = [f"releasegate: load evidence written to {path}"] if path else []
    for r in results:
        lines.append(
            f"releasegate: {r.shown_verdict:<7} {r.id}: {r.shown_observed} "
            f"(threshold {r.shown_threshold}, {r.samples} samples)"
        )
        if r.verdict != "PASS":
            lines.append(f"releasegate:         {r.reason.splitlines()[0]}")
    blocked = [r.id for r in results if r.blocks]
    lines.append(
        f"releasegate: load checks {'BLOCK on ' + ', '.join(blocked) if blocked else 'pass'}"
    )
    return "\n".join(lines)
