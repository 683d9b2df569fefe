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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

import pytest

from releasegate import __version__
from releasegate.chat.engine import ChatFailure
from releasegate.chat.transport import chat_target, open_session, refused
from releasegate.config import Config, Stage
from releasegate.errors import UserError
from releasegate.evidence.io import read_folders, write_json
from releasegate.evidence.kinds.csat import RATINGS, CsatData, parse_csv
from releasegate.evidence.kinds.tests import EXIT_MEANINGS
from releasegate.gate.decision import Decision, TargetInfo
from releasegate.gate.evaluate import GateRequest, SkippedPhase, evaluate
from releasegate.history import Baseline
from releasegate.monitoring.watch import Watch
from releasegate.redaction import redact
from releasegate.report.progress import Display, PlainDisplay, display_for
from releasegate.rollback import drilled
from releasegate.runid import new_run_id
from releasegate.target import RunningTarget, normalize_base_url, target_session
from releasegate.targetinfo import fetch_version

# pytest could not run at all: a problem of the setup, not a verdict on the target.
REGRESSIONS = "regressions"  # in the run folder: what the fuzzer found, for a person to keep
ALLURE_RESULTS = "allure-results"  # in the run folder
ARTIFACTS = "artifacts"  # in the run folder: screenshot and trace of each failed browser test
BROWSER_SUITES = frozenset({"e2e", "a11y", "security"})
PYTEST_CANNOT_RUN = {pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR}


@dataclass(frozen=True)
class RunContext:
    config: Config
    config_path: Path
    run_id: str
    stage: str
    base_url: str  # for the suites: with the user-info it was given, if any
    evidence_dir: Path
    display: Display = field(default_factory=PlainDisplay)


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
    workers: int = 1  # pytest-xdist processes (browser suites and conversations pay off)

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
            # for people reading results (allure-pytest); the gate never reads them
            "--alluredir", str(context.evidence_dir.parent.absolute() / ALLURE_RESULTS),
            "-p", "no:cacheprovider", "-p", "no:schemathesis", "-q", "--tb=no", "-rN",
            *(self.browser_artifacts(context) if BROWSER_SUITES & set(self.suites) else []),
            *(["-n", str(self.workers)] if self.workers > 1 else []),
        ]  # fmt: skip

    def browser_artifacts(self, context: RunContext) -> list[str]:
        """pytest-playwright keeps a screenshot and a trace of each failed test in the run."""
        output = context.evidence_dir.parent.absolute() / ARTIFACTS
        return [
            "--screenshot", "only-on-failure", "--tracing", "retain-on-failure",
            "--output", str(output),
        ]  # fmt: skip

    def run(self, context: RunContext) -> PhaseResult:
        evidence = context.evidence_dir / self.name
        _say(f"running {self.name} suites: pytest -m '{' or '.join(self.suites)}'")
        with context.display.phase(self.name, context.evidence_dir.parent) as output:
            argv = self.argv(context, evidence)
            if output.feed is not None:
                argv += ["--releasegate-progress", str(output.feed.absolute())]
            code = _run_redacted(argv, context.config.root, output.log)
        if code in PYTEST_CANNOT_RUN:
            if output.log is not None:
                print(_tail(output.log), file=sys.stderr)
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
class SatisfactionPhase:
    """Customer satisfaction: feedback ratings from an exported CSV (``[human] csat``) or from
    the target's own feedback counter (``[human] csat_metric``), into ``csat`` evidence."""

    csv_path: Path | None
    metric: str | None
    label: str
    name: str = "satisfaction"
    suites: tuple[str, ...] = ()
    fail_fast: bool = False
    kinds: frozenset[str] | None = frozenset({"csat"})

    def run(self, context: RunContext) -> PhaseResult:
        from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
        from releasegate.evidence.io import write_evidence

        data: CsatData
        if self.csv_path is not None:
            try:
                text = self.csv_path.read_text(encoding="utf-8-sig")
            except OSError as exc:
                return PhaseResult(False, f"no usable ratings at {self.csv_path} ({exc.strerror})")
            data = parse_csv(text, str(self.csv_path))
        else:
            found = self._from_metrics(context)
            if isinstance(found, str):
                return PhaseResult(False, found)
            data = found
        _say(f"satisfaction from {data.source}: {sum(data.ratings.values())} rating(s)")
        evidence = make_evidence(
            data, context.run_id, context.stage, TargetRef(base_url=context.base_url),
            Producer(tool="releasegate-satisfaction", version=__version__), datetime.now(UTC),
        )  # fmt: skip
        write_evidence(context.evidence_dir / self.name / f"csat-{context.run_id}.json", evidence)
        return PhaseResult(True, "ratings read")

    def _from_metrics(self, context: RunContext) -> CsatData | str:
        """The counter's samples by rating label; a reason in words when it cannot be read."""
        import requests
        from prometheus_client.parser import text_string_to_metric_families

        url = context.base_url.rstrip("/") + context.config.target.metrics_path
        try:
            response = requests.get(url, timeout=10)
            families = list(text_string_to_metric_families(response.text))
        except (requests.RequestException, ValueError) as exc:
            return f"cannot read {url}: {type(exc).__name__}"
        if response.status_code != 200:
            return f"{url} answered {response.status_code}"
        ratings = dict.fromkeys(RATINGS, 0)
        seen = False
        for family in families:
            for sample in family.samples:
                if self.metric in (sample.name, family.name):
                    value = sample.labels.get(self.label)
                    if value in ratings:
                        ratings[value] += int(sample.value)
                        seen = True
        if not seen:
            return f"{url} has no {self.metric} with a '{self.label}' label of 1-5"
        return CsatData(source=f"{self.metric} at {url}", origin="metrics", ratings=ratings)


@dataclass(frozen=True)
class RunResult:
    decision: Decision
    run_dir: Path
    interrupted: bool = False  # Ctrl-C: the decision covers what had run (the rest NO_DATA)


def plan(stage: Stage, config: Config, load_baseline: Path | None = None) -> list[Phase]:
    """Smoke alone first (it gates the rest), then every other suite in one pytest session,
    then the stage's load, then the human evidence the config names (surveys, satisfaction
    ratings: a feedback counter is read after all the traffic)."""
    rest = tuple(s for s in stage.suites if s != "smoke")
    phases: list[Phase] = []
    if "smoke" in stage.suites:
        phases.append(PytestPhase("smoke", ("smoke",), fail_fast=bool(rest)))
    if rest:
        phases.append(PytestPhase("functional", rest, workers=stage.workers))
    load = config.load_settings(stage)
    if load is not None:
        from releasegate.load.phase import LoadPhase

        baseline = load_baseline or (config.path(load.baseline) if load.baseline else None)
        phases.append(LoadPhase(load, baseline))
    if config.human.sus:
        phases.append(SurveyPhase(config.path(config.human.sus)))
    human = config.human
    if human.csat or human.csat_metric:
        path = config.path(human.csat) if human.csat else None
        phases.append(SatisfactionPhase(path, human.csat_metric, human.csat_label))
    return phases


def _say(message: str) -> None:
    print(redact(f"releasegate: {message}"), file=sys.stderr, flush=True)


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _run_redacted(argv: list[str], cwd: Path, log: Path | None = None) -> int:
    """Run a command, passing its output line by line, every secret masked, to the terminal
    or to ``log``."""
    out = sys.stdout if log is None else log.open("w", encoding="utf-8")
    try:
        return _stream(argv, cwd, out)
    finally:
        if log is not None:
            out.close()


def _stream(argv: list[str], cwd: Path, out: TextIO) -> int:
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
                out.write(redact(line))
                out.flush()
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
    baseline: Baseline | None = None,
    load_baseline: Path | None = None,
) -> RunResult:
    stage_name, stage = config.stage(stage_name)
    # Fail on bad inputs before creating or launching anything.
    if base_url and stage.rollback:
        raise UserError(
            f"stage {stage_name} is a rollback drill: it starts and stops the candidate and the "
            "previous release itself, so it cannot test a deployment given with --base-url"
        )
    if base_url:
        normalize_base_url(base_url)
    elif not (config.target.base_url or config.target.launch):
        raise UserError(
            f"{config.source}: nothing to test: set target.base_url (a running deployment) or "
            "target.launch (a command that starts it), or pass --base-url"
        )
    config.conversation_policy()
    config.suite_paths()
    config.monitoring_for(stage_name)  # a stage's Prometheus given by an unset variable
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
    tested = (
        drilled(config, stage.rollback, run_dir, evidence_dir, run_id, stage_name)
        if stage.rollback
        else target_session(config.target, base_url, log_dir=run_dir, cwd=config.root)
    )
    with (
        tested as target,
        Watch(config, stage_name, run_dir) as watch,  # Prometheus for the SLIs, if any
    ):
        if not target.launched:
            _say(f"testing the deployment at {target.base_url} (nothing launched)")
        check_contract(config, target)
        version = fetch_version(target.base_url, config.target, target.auth)
        if version is None:
            _say(f"{target.base_url} reported no version (is it reachable?); testing anyway")
        info = TargetInfo(base_url=target.base_url, version=version, name=config.target.name)
        suites_url = base_url if base_url and not target.launched else target.base_url
        context = RunContext(
            config, config_path, run_id, stage_name, suites_url, evidence_dir, display_for()
        )
        watch.start(target.base_url, target.auth, run_id, version)
        blocked_by: str | None = None
        interrupted = False
        if load_baseline is None and baseline is not None:
            # the load phase compares with the same baseline the gate uses (its decision)
            load_baseline = run_dir / "baseline-decision.json"
            write_json(load_baseline, baseline.decision.dump())
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
    decision = _decide(config, stage_name, run_dir, run_id, info, skipped, None, baseline)
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
    if (run_dir / ARTIFACTS).is_dir():
        _say(f"screenshots and traces of the failed browser tests are in {run_dir / ARTIFACTS}")
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
    baseline: Baseline | None = None,
) -> Decision:
    return evaluate(
        GateRequest(
            baseline=baseline,
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
