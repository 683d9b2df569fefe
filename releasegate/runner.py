"""``releasegate run``: launch the target, run the stage's phases, gather evidence, decide.

A stage is a list of phases; each knows its name, what it covers (suites, evidence kinds) and
how it runs. Pytest sessions are one implementation; load will be another. Smoke runs first and
fails fast: when its checks block, later phases are skipped and their checks report NO_DATA
("not run: functional (skipped because smoke blocked)"), so the decision leads with smoke.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest

from releasegate import __version__
from releasegate.chat.engine import ChatFailure
from releasegate.chat.transport import chat_target, open_session, refused
from releasegate.config import Config, Stage
from releasegate.errors import UserError
from releasegate.evidence.io import read_folders
from releasegate.evidence.kinds.tests import EXIT_MEANINGS
from releasegate.gate.decision import Decision, TargetInfo
from releasegate.gate.evaluate import GateRequest, SkippedPhase, evaluate
from releasegate.redaction import redact
from releasegate.runid import new_run_id
from releasegate.target import RunningTarget, normalize_base_url, target_session
from releasegate.targetinfo import fetch_version

# pytest could not run at all: a problem of the setup, not a verdict on the target.
REGRESSIONS = "regressions"  # in the run folder: what the fuzzer found, for a person to keep
PYTEST_CANNOT_RUN = {pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR}


@dataclass(frozen=True)
class RunContext:
    config: Config
    config_path: Path
    run_id: str
    stage: str
    base_url: str  # for the suites: with the user-info it was given, if any
    evidence_dir: Path


@dataclass(frozen=True)
class PhaseResult:
    wrote_evidence: bool
    note: str  # how it ended, in words, for a reason when it wrote nothing


class Phase(Protocol):
    """One step of a stage that produces evidence."""

    @property
    def name(self) -> str: ...

    @property
    def suites(self) -> tuple[str, ...]: ...

    @property
    def kinds(self) -> frozenset[str] | None:
        """The evidence kinds it produces (None: any, as a pytest session may record any)."""
        ...

    @property
    def fail_fast(self) -> bool:
        """When this phase's own checks block, the later phases are skipped."""
        ...

    def run(self, context: RunContext) -> PhaseResult: ...


@dataclass(frozen=True)
class PytestPhase:
    """A pytest session over the stage's suites with the given markers, in a subprocess."""

    name: str
    suites: tuple[str, ...]
    fail_fast: bool = False
    kinds: frozenset[str] | None = None

    def argv(self, context: RunContext, evidence: Path) -> list[str]:
        config = context.config
        return [
            sys.executable, "-m", "pytest", *map(str, config.suite_paths()),
            "-m", " or ".join(self.suites),
            "--base-url", context.base_url,
            # pytest runs in the config's folder: hand it absolute paths
            "--releasegate-config", str(context.config_path.resolve()),
            "--releasegate-evidence", str(evidence.absolute()),
            "--releasegate-run-id", context.run_id,
            "--releasegate-stage", context.stage,
            "--releasegate-regressions", str(context.evidence_dir.parent.absolute() / REGRESSIONS),
            "-p", "no:cacheprovider", "-q", "--tb=no", "-rN",
        ]  # fmt: skip

    def run(self, context: RunContext) -> PhaseResult:
        evidence = context.evidence_dir / self.name
        _say(f"running {self.name} suites: pytest -m '{' or '.join(self.suites)}'")
        code = _run_redacted(self.argv(context, evidence), context.config.root)
        if code in PYTEST_CANNOT_RUN:
            raise UserError(
                f"pytest could not run the {self.name} suites ({EXIT_MEANINGS[code]}, exit "
                f"{code}); its message is above"
            )
        wrote = any(evidence.glob("tests-*.json"))
        meaning = EXIT_MEANINGS.get(code, "not a pytest exit code")
        return PhaseResult(wrote, f"pytest ended with exit code {code} ({meaning})")


@dataclass(frozen=True)
class SurveyPhase:
    """Human evidence: the configured SUS survey export, scored into ``sus`` evidence."""

    path: Path
    name: str = "human"
    suites: tuple[str, ...] = ()
    fail_fast: bool = False
    kinds: frozenset[str] | None = frozenset({"sus"})

    def run(self, context: RunContext) -> PhaseResult:
        from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
        from releasegate.evidence.io import write_evidence
        from releasegate.evidence.kinds.sus import parse_csv

        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            return PhaseResult(False, f"no usable survey at {self.path} ({exc.strerror})")
        data = parse_csv(text, str(self.path))
        _say(
            f"survey {self.path}: {len(data.respondents)} respondent(s), "
            f"{len(data.malformed)} malformed row(s)"
        )
        evidence = make_evidence(
            data,
            context.run_id,
            context.stage,
            TargetRef(base_url=context.base_url),
            Producer(tool="releasegate-survey", version=__version__),
            datetime.now(UTC),
        )
        write_evidence(context.evidence_dir / self.name / f"sus-{context.run_id}.json", evidence)
        return PhaseResult(True, "survey read")


@dataclass(frozen=True)
class RunResult:
    decision: Decision
    run_dir: Path
    interrupted: bool = False  # Ctrl-C: the decision covers what had run (the rest NO_DATA)


def plan(stage: Stage, config: Config, load_baseline: Path | None = None) -> list[Phase]:
    """Smoke alone first (it gates the rest), then every other suite in one pytest session,
    then the human evidence the config names, then the stage's load."""
    rest = tuple(s for s in stage.suites if s != "smoke")
    phases: list[Phase] = []
    if "smoke" in stage.suites:
        phases.append(PytestPhase("smoke", ("smoke",), fail_fast=bool(rest)))
    if rest:
        phases.append(PytestPhase("functional", rest))
    if config.human.sus:
        phases.append(SurveyPhase(config.path(config.human.sus)))
    load = config.load_settings(stage)
    if load is not None:
        from releasegate.load.phase import LoadPhase

        baseline = load_baseline or (config.path(load.baseline) if load.baseline else None)
        phases.append(LoadPhase(load, baseline))
    return phases


def _say(message: str) -> None:
    print(redact(f"releasegate: {message}"), file=sys.stderr, flush=True)


def _run_redacted(argv: list[str], cwd: Path) -> int:
    """Run a command, passing its output through line by line with every secret masked."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stdout.write(redact(line))
                sys.stdout.flush()
        except KeyboardInterrupt:  # Ctrl-C or a cancelled job: the session ends with us
            process.terminate()
            raise
    return process.returncode


def check_contract(config: Config, target: RunningTarget) -> None:
    """One chat turn before any suite: a bot whose replies do not match the configured
    contract cannot be tested, and that is exit 2, not a BLOCK. An error answer or no answer
    is the bot's failure: the suites judge it."""
    session = open_session(config.target, target.base_url, target.auth, str(config.source))
    with session:
        try:
            chat = chat_target(config.target, session, str(config.source))
            chat.conversation().send(config.target.chat.smoke_message)
        except ChatFailure as exc:
            refused(exc, str(config.source))


def _point_latest(reports: Path, run_dir: Path) -> None:
    """``reports/latest`` -> this run, replaced atomically."""
    link = reports / "latest"
    tmp = reports / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, link)


def _phase_checks(config: Config, stage: Stage, phase: Phase) -> list[str]:
    """The stage's checks that this phase alone decides (those selecting one of its suites)."""
    return [c for c in stage.checks if config.policy.checks[c].select.get("suite") in phase.suites]


def run(
    config: Config,
    config_path: Path,
    stage_name: str | None,
    base_url: str | None,
    reports: Path,
    load_baseline: Path | None = None,
) -> RunResult:
    stage_name, stage = config.stage(stage_name)
    # Fail on bad inputs before creating or launching anything.
    if base_url:
        normalize_base_url(base_url)
    elif not (config.target.base_url or config.target.launch):
        raise UserError(
            f"{config.source}: nothing to test: set target.base_url (a running deployment) or "
            "target.launch (a command that starts it), or pass --base-url"
        )
    config.conversation_policy()
    config.suite_paths()
    if (load := config.load_settings(stage)) is not None:  # refused before anything is sent
        from releasegate.load.phase import check_load_target

        given = base_url or config.target.base_url
        check_load_target(load, given or "http://127.0.0.1", str(config.source))
    run_id = new_run_id()
    run_dir = reports / run_id
    evidence_dir = run_dir / "evidence"
    try:
        evidence_dir.mkdir(parents=True)
    except OSError as exc:
        raise UserError(f"cannot create {evidence_dir}: {exc.strerror or exc}") from None
    _say(f"run {run_id}, stage {stage_name} ({', '.join(stage.suites)}), reports in {run_dir}")
    skipped: dict[str, SkippedPhase] = {}
    with target_session(config.target, base_url, log_dir=run_dir, cwd=config.root) as target:
        if not target.launched:
            _say(f"testing the deployment at {target.base_url} (nothing launched)")
        check_contract(config, target)
        version = fetch_version(target.base_url, config.target, target.auth)
        if version is None:
            _say(f"{target.base_url} reported no version (is it reachable?); testing anyway")
        info = TargetInfo(base_url=target.base_url, version=version, name=config.target.name)
        suites_url = base_url if base_url and not target.launched else target.base_url
        context = RunContext(config, config_path, run_id, stage_name, suites_url, evidence_dir)
        blocked_by: str | None = None
        interrupted = False
        for phase in plan(stage, config, load_baseline):
            if blocked_by or interrupted:
                why = (
                    "interrupted (Ctrl-C)"
                    if interrupted
                    else f"skipped because {blocked_by} blocked"
                )
                skipped[phase.name] = SkippedPhase(why, phase.suites, phase.kinds)
                continue
            try:
                result = phase.run(context)
            except KeyboardInterrupt:
                interrupted = True
                skipped[phase.name] = SkippedPhase(
                    "interrupted (Ctrl-C)", phase.suites, phase.kinds
                )
                _say(f"interrupted during {phase.name}: deciding on what had run")
                continue
            if not result.wrote_evidence:
                skipped[phase.name] = SkippedPhase(
                    f"{result.note} and wrote no evidence", phase.suites, phase.kinds
                )
            if phase.fail_fast:
                early = _decide(
                    config, stage_name, run_dir, run_id, info, skipped,
                    _phase_checks(config, stage, phase),
                )  # fmt: skip
                if early.decision == "BLOCK":
                    blocked_by = phase.name
                    _say(f"{phase.name} blocked: the later phases are skipped")
    decision = _decide(config, stage_name, run_dir, run_id, info, skipped, None)
    if interrupted:
        with contextlib.suppress(OSError):
            _point_latest(reports, run_dir)
        return RunResult(decision, run_dir, interrupted=True)
    found = sorted((run_dir / REGRESSIONS).glob("*.yaml"))
    if found:
        _say(
            f"the fuzzer wrote {len(found)} shrunk failing conversation(s) to "
            f"{run_dir / REGRESSIONS}: copy them into {config.conversations_dir}/regressions/ "
            "to keep them as regression tests"
        )
    with contextlib.suppress(OSError):
        _point_latest(reports, run_dir)
    return RunResult(decision, run_dir)


def _decide(
    config: Config,
    stage: str,
    run_dir: Path,
    run_id: str,
    target: TargetInfo,
    skipped: dict[str, SkippedPhase],
    checks: list[str] | None,
) -> Decision:
    return evaluate(
        GateRequest(
            config=config,
            stage=stage,
            evidence=read_folders([run_dir / "evidence"]),
            now=datetime.now(UTC),
            run_id=run_id,
            target=target,
            skipped=skipped,
            checks=checks,
            home=run_dir,
        )
    )
