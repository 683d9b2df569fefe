"""``releasegate run``: launch the target, run the stage's suites, gather evidence, decide.

Smoke runs first and fails fast: when its checks block, the other suites are not run and their
checks report NO_DATA ("not run: smoke blocked"), so the decision leads with the smoke reason.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from releasegate.chat.policy import POLICY_FILE, load_policy
from releasegate.config import Config
from releasegate.errors import UserError
from releasegate.evidence.io import read_folders
from releasegate.gate.decision import Decision, TargetInfo
from releasegate.gate.evaluate import GateRequest, evaluate
from releasegate.runid import new_run_id
from releasegate.target import normalize_base_url, target_session
from releasegate.targetinfo import fetch_version

PYTEST_USAGE_ERRORS = {3: "internal error", 4: "usage error"}


@dataclass(frozen=True)
class Phase:
    name: str
    suites: list[str]


@dataclass(frozen=True)
class RunResult:
    decision: Decision
    run_dir: Path


def plan(suites: list[str]) -> list[Phase]:
    """Smoke alone first (it gates the rest), then every other suite in one pytest session."""
    rest = [s for s in suites if s != "smoke"]
    phases = [Phase("smoke", ["smoke"])] if "smoke" in suites else []
    return phases + ([Phase("functional", rest)] if rest else [])


def _say(message: str) -> None:
    print(f"releasegate: {message}", file=sys.stderr, flush=True)


def _pytest(
    config: Config, config_path: Path, phase: Phase, run: RunContext, evidence: Path
) -> int:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(config.path(config.suites_dir)),
        "-m",
        " or ".join(phase.suites),
        "--base-url",
        run.base_url,
        # pytest runs in the config's folder: hand it absolute paths
        "--releasegate-config",
        str(config_path.resolve()),
        "--releasegate-evidence",
        str(evidence.absolute()),
        "--releasegate-run-id",
        run.run_id,
        "--releasegate-stage",
        run.stage,
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=short",
    ]
    _say(f"running {phase.name} suites: pytest -m '{' or '.join(phase.suites)}'")
    completed = subprocess.run(argv, cwd=config.root, stdin=subprocess.DEVNULL, check=False)
    if completed.returncode in PYTEST_USAGE_ERRORS:
        meaning = PYTEST_USAGE_ERRORS[completed.returncode]
        raise UserError(
            f"pytest could not run the {phase.name} suites ({meaning}, exit "
            f"{completed.returncode}); its message is above"
        )
    return completed.returncode


@dataclass(frozen=True)
class RunContext:
    run_id: str
    stage: str
    base_url: str


def _point_latest(reports: Path, run_dir: Path) -> None:
    """``reports/latest`` -> this run, replaced atomically."""
    link = reports / "latest"
    tmp = reports / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, link)


def run(
    config: Config,
    config_path: Path,
    stage_name: str | None,
    base_url: str | None,
    reports: Path,
) -> RunResult:
    stage_name, stage = config.stage(stage_name)
    # Fail on bad inputs before creating or launching anything.
    if base_url:
        base_url = normalize_base_url(base_url)
    load_policy(config.path(config.conversations_dir) / POLICY_FILE)
    run_id = new_run_id()
    run_dir = reports / run_id
    evidence_dir = run_dir / "evidence"
    try:
        evidence_dir.mkdir(parents=True)
    except OSError as exc:
        raise UserError(f"cannot create {evidence_dir}: {exc.strerror or exc}") from None
    _say(f"run {run_id}, stage {stage_name} ({', '.join(stage.suites)}), reports in {run_dir}")
    skipped: dict[str, str] = {}
    with target_session(config.target, base_url, log_dir=run_dir) as target:
        if not target.launched:
            _say(f"testing the deployment at {target.base_url} (nothing launched)")
        version = fetch_version(target.base_url, config.target)
        if version is None:
            _say(f"{target.base_url} reported no version (is it reachable?); testing anyway")
        info = TargetInfo(base_url=target.base_url, version=version)
        context = RunContext(run_id, stage_name, target.base_url)
        smoke_blocked = False
        for phase in plan(stage.suites):
            if smoke_blocked:
                skipped.update(dict.fromkeys(phase.suites, "skipped because smoke blocked"))
                continue
            evidence = evidence_dir / f"tests-{phase.name}.json"
            code = _pytest(config, config_path, phase, context, evidence)
            if not evidence.is_file():
                why = f"pytest ended with exit code {code} and wrote no evidence"
                skipped.update(dict.fromkeys(phase.suites, why))
                smoke_blocked = phase.name == "smoke"
            elif phase.name == "smoke" and len(stage.suites) > 1:
                smoke_checks = [c for c in stage.checks if config.policy.checks[c].suite == "smoke"]
                early = _decide(config, stage_name, evidence_dir, run_id, info, {}, smoke_checks)
                smoke_blocked = early.decision == "BLOCK"
            if smoke_blocked and len(stage.suites) > 1:
                _say("smoke blocked: the other suites are skipped")
    decision = _decide(config, stage_name, evidence_dir, run_id, info, skipped, None)
    with contextlib.suppress(OSError):
        _point_latest(reports, run_dir)
    return RunResult(decision, run_dir)


def _decide(
    config: Config,
    stage: str,
    evidence_dir: Path,
    run_id: str,
    target: TargetInfo,
    skipped: dict[str, str],
    checks: list[str] | None,
) -> Decision:
    return evaluate(
        GateRequest(
            config=config,
            stage=stage,
            evidence=read_folders([evidence_dir]),
            now=datetime.now(UTC),
            run_id=run_id,
            target=target,
            skipped_suites=skipped,
            checks=checks,
        )
    )
