"""``releasegate run | evaluate | show | init``: exit 0 PROMOTE, 1 BLOCK, 2 usage, configuration or
infrastructure error.

User errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from releasegate import __version__
from releasegate.errors import UserError
from releasegate.gate.decision import Decision
from releasegate.layout import DEFAULT_CONFIG
from releasegate.redaction import redact
from releasegate.report import console

if TYPE_CHECKING:
    from releasegate.config import Config
    from releasegate.evidence.io import EvidenceSet
    from releasegate.history import Baseline, History

EXIT_PROMOTE, EXIT_BLOCK, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C; the decision written is a BLOCK


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line naming the problem, not a usage dump."""
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="releasegate",
        description="Release gate for chatbot web products: run test suites against a target, "
        "weigh the evidence against a policy, decide PROMOTE or BLOCK.",
        epilog="Exit codes: 0 PROMOTE, 1 BLOCK, 2 usage, configuration or infrastructure error.",
    )
    parser.add_argument("--version", action="version", version=f"releasegate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run_cmd = commands.add_parser(
        "run",
        help="run a stage's suites against the target and decide",
        description="Launch the configured target (or use --base-url), run the stage's suites, "
        "write evidence and the decision under DIR/<run-id>/, and exit 0 (PROMOTE) or 1.",
    )
    run_cmd.add_argument(
        "--stage", metavar="NAME", help="stage from the config (default: its default_stage)"
    )
    run_cmd.add_argument(
        "--base-url", metavar="URL", help="test this deployment instead of launching the target"
    )
    run_cmd.add_argument(
        "--reports", metavar="DIR", default="reports", type=Path, help="default: reports"
    )
    run_cmd.add_argument(
        "--load-baseline",
        metavar="FILE",
        type=Path,
        help="load evidence or decision.json of an accepted run: p95 and throughput are "
        "compared with it (default: [load] baseline)",
    )

    run_cmd.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="compare with this decision.json (default: the last PROMOTE of the same target "
        "and stage in the history store)",
    )

    evaluate_cmd = commands.add_parser(
        "evaluate",
        help="decide from evidence already collected (e.g. by parallel CI jobs)",
        description="Merge the evidence in the given folders (every *.json below them) and "
        "decide, without running anything.",
    )
    evaluate_cmd.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    evaluate_cmd.add_argument(
        "--stage", metavar="NAME", help="stage to decide (default: the config's default_stage)"
    )
    evaluate_cmd.add_argument(
        "--run-id", metavar="ID", help="run whose evidence counts (default: the newest)"
    )
    evaluate_cmd.add_argument(
        "--out", metavar="DIR", type=Path, help="also write the decision files to this folder"
    )
    evaluate_cmd.add_argument(
        "--same-target",
        action="store_true",
        help="the folders tested one deployment at different addresses (e.g. each job launched "
        "its own copy): merge them although their base URLs differ",
    )

    evaluate_cmd.add_argument(
        "--baseline", metavar="FILE", type=Path, help="compare with this decision.json"
    )
    evaluate_cmd.add_argument(
        "--reports",
        metavar="DIR",
        default="reports",
        type=Path,
        help="where the default history store lives (default: reports)",
    )

    history_cmd = commands.add_parser(
        "history",
        help="list recent decisions from the history store",
        description="Recent decisions, newest first, from the history store ([history] url in "
        "the config, else DIR/history.sqlite).",
    )
    history_cmd.add_argument("--stage", metavar="NAME", help="only this stage")
    history_cmd.add_argument("--target", metavar="NAME", help="only this target")
    history_cmd.add_argument("--limit", metavar="N", type=_positive, default=20, help="default: 20")
    history_cmd.add_argument("--json", action="store_true", help="one JSON object per line")
    history_cmd.add_argument(
        "--reports", metavar="DIR", default="reports", type=Path, help="default: reports"
    )

    report_cmd = commands.add_parser(
        "report",
        help="build Allure 3's HTML report of a run (needs the allure command from npm)",
        description="Build Allure 3's HTML report from a run folder's allure-results into "
        "RUN_DIR/allure-report. Allure is for reading results; the gate decides.",
    )
    report_cmd.add_argument(
        "run_dir",
        nargs="?",
        type=Path,
        default=Path("reports/latest"),
        metavar="RUN_DIR",
        help="default: reports/latest",
    )

    show_cmd = commands.add_parser(
        "show",
        help="render a decision.json (no config needed)",
        description="Render a decision written by run or evaluate, e.g. one downloaded from CI.",
    )
    show_cmd.add_argument("file", type=Path, metavar="FILE", help="a decision.json")
    show_cmd.add_argument(
        "--markdown", action="store_true", help="render Markdown (as decision.md) instead"
    )

    init_cmd = commands.add_parser(
        "init",
        help="scaffold releasegate.toml and conversations/policy.yaml for your chatbot",
        description="Write a commented releasegate.toml and conversations/policy.yaml that load "
        "as they are. With --base-url, first probe the running target (a few GETs, one chat "
        "turn per contract tried, 2 s timeouts) and write the contract and capabilities that "
        "answer. Never overwrites a file without --force.",
    )
    init_cmd.add_argument(
        "--preset",
        metavar="NAME",
        help="chat contract: taxbot, rasa or openai (default: taxbot; with --base-url, the "
        "first that answers)",
    )
    init_cmd.add_argument(
        "--base-url", metavar="URL", help="a running target to probe and write into the config"
    )
    init_cmd.add_argument("--force", action="store_true", help="overwrite existing files")
    init_cmd.add_argument(
        "--dir", metavar="DIR", default=Path(), type=Path, help="where to write (default: .)"
    )

    for sub in (run_cmd, evaluate_cmd, history_cmd):
        sub.add_argument(
            "--config",
            metavar="FILE",
            default=DEFAULT_CONFIG,
            type=Path,
            help=f"default: {DEFAULT_CONFIG}",
        )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _history(config: Config | None, reports: Path) -> History:
    from releasegate.errors import ConfigError
    from releasegate.history import History

    try:
        url = config.history.resolved_url() if config else None
    except ValueError as exc:
        raise ConfigError(f"{config.source if config else ''}: {exc}") from None
    return History.default(reports, url)


def _baseline(history: History, given: Path | None, config: Config, stage: str) -> Baseline | None:
    from releasegate.history import baseline_from_file

    if given is not None:
        return baseline_from_file(given)
    return history.baseline(config.target.name, stage)


def _record(history: History, decision: Decision, evidence: EvidenceSet) -> None:
    from releasegate.gate.evaluate import passing_tests

    ident = history.record(decision, datetime.now(UTC), passing_tests(evidence.files))
    print(f"history: decision #{ident} recorded in {history.where}", file=sys.stderr)


def _summary(
    folder: Path,
    decision: Decision,
    evidence: EvidenceSet,
    history: History,
    baseline: Baseline | None,
) -> Path:
    """The HTML summary, with the decision trend of this target and stage from history."""
    from releasegate.report.summary import write_summary

    trend = history.recent(30, target=decision.target.name or "", stage=decision.stage)
    before = baseline.decision if baseline else None
    try:
        return write_summary(folder, decision, evidence, trend, before)
    except OSError as exc:
        raise UserError(f"cannot write the summary to {folder}: {exc.strerror or exc}") from None


def _verdict(decision: Decision) -> int:
    return EXIT_PROMOTE if decision.decision == "PROMOTE" else EXIT_BLOCK


def _print(decision: Decision, files: list[Path]) -> int:
    print(redact(console.render(decision, color=console.use_color(sys.stdout))))
    if files:
        print("reports: " + " · ".join(str(f) for f in files))
    return _verdict(decision)


def _run(args: argparse.Namespace) -> int:
    from releasegate.evidence.io import read_folders
    from releasegate.report.allure import write_metadata
    from releasegate.report.files import write_decision
    from releasegate.runner import ALLURE_RESULTS, run

    config = _load(args.config)
    stage, _ = config.stage(args.stage)
    history = _history(config, args.reports)
    baseline = _baseline(history, args.baseline, config, stage)
    result = run(
        config, args.config, stage, args.base_url, args.reports, baseline, args.load_baseline
    )
    evidence = read_folders([result.run_dir / "evidence"])
    files = write_decision(result.decision, result.run_dir)
    write_metadata(result.run_dir / ALLURE_RESULTS, result.decision)
    _record(history, result.decision, evidence)
    files.append(_summary(result.run_dir, result.decision, evidence, history, baseline))
    code = _print(result.decision, files)
    if result.interrupted:
        print("releasegate: interrupted; the target was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _evaluate(args: argparse.Namespace) -> int:
    from releasegate.evidence.io import read_folders
    from releasegate.gate.evaluate import GateRequest, evaluate
    from releasegate.report.files import write_decision

    config = _load(args.config)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        raise UserError(f"evaluate: no such folder: {', '.join(missing)}")
    stage, _ = config.stage(args.stage)
    evidence = read_folders(args.folders)
    _refuse_mixed(evidence, args)
    history = _history(config, args.reports)
    baseline = _baseline(history, args.baseline, config, stage)
    decision = evaluate(
        GateRequest(
            config=config,
            stage=stage,
            evidence=evidence,
            now=datetime.now(UTC),
            run_id=args.run_id,
            home=args.out or Path.cwd(),
            baseline=baseline,
        )
    )
    files = write_decision(decision, args.out) if args.out else []
    _record(history, decision, evidence)
    if args.out:
        files.append(_summary(args.out, decision, evidence, history, baseline))
    return _print(decision, files)


def _list_history(args: argparse.Namespace) -> int:
    """Recent decisions, newest first; the config only says where the store is."""
    import json

    config = _load(args.config) if args.config.exists() else None
    history = _history(config, args.reports)
    entries = history.recent(args.limit, target=args.target, stage=args.stage)
    if args.json:
        for entry in entries:
            print(json.dumps(entry.__dict__))
        return EXIT_PROMOTE
    if not entries:
        print(f"no decisions recorded in {history.where}")
        return EXIT_PROMOTE
    print(f"{'#':>4}  {'DECIDED (UTC)':19}  {'TARGET':10}  {'STAGE':10}  DECISION  VERSION  RUN")
    for e in entries:
        blocking = f" ({e.blocking} blocking)" if e.blocking else ""
        print(
            f"{e.id:>4}  {e.decided_at[:19]:19}  {e.target[:10]:10}  {e.stage[:10]:10}  "
            f"{e.decision:8}  {e.version or '-':7}  {e.run_id or '-'}{blocking}"
        )
    return EXIT_PROMOTE


def _refuse_mixed(evidence: EvidenceSet, args: argparse.Namespace) -> None:
    """Folders from different runs, builds or deployments are not one decision: say so
    (exit 2) rather than judge one and call the rest stale, unless told which belong."""

    def listed(origins: dict[str, list[Path]]) -> str:
        return "; ".join(f"{v}: {', '.join(map(str, folders))}" for v, folders in origins.items())

    versions = evidence.origins("target.version")
    if len(versions) > 1 and not args.run_id:
        raise UserError(f"evaluate: the folders hold evidence of different target versions "
                        f"({listed(versions)}); decide one build at a time")  # fmt: skip
    runs = evidence.origins("run_id")
    if len(runs) > 1 and not args.run_id:
        raise UserError(
            f"evaluate: the folders hold evidence of different runs ({listed(runs)}); pass "
            "--run-id ID to decide one of them (the others then count as stale)"
        )
    targets = evidence.origins("target.base_url")
    if len(targets) > 1 and not args.same_target:
        raise UserError(
            f"evaluate: the folders tested different targets ({listed(targets)}); pass "
            "--same-target if they are one deployment at different addresses"
        )


def _show_file(args: argparse.Namespace) -> int:
    """Render a decision as it was decided; the exit code repeats its verdict."""
    from releasegate.report.files import read_decision
    from releasegate.report.markdown import render_markdown

    decision = read_decision(args.file)
    if args.markdown:
        print(redact(render_markdown(decision)), end="")
        return _verdict(decision)
    return _print(decision, [])


def _report(args: argparse.Namespace) -> int:
    from releasegate.report.allure import build_report

    if not args.run_dir.is_dir():
        raise UserError(f"report: no such run folder: {args.run_dir}")
    index = build_report(args.run_dir.resolve(), Path.cwd())
    print(f"Allure report: {index}")
    return EXIT_PROMOTE


def _init(args: argparse.Namespace) -> int:
    from releasegate.init import init

    return init(args.dir, args.preset, args.base_url, force=args.force)


def _terminate(signum: int, frame: object) -> NoReturn:
    """SIGTERM (a cancelled CI job) unwinds like Ctrl-C, so the target is stopped."""
    raise KeyboardInterrupt


def _load(path: Path) -> Config:
    from releasegate.config import load_config

    if not path.exists():
        raise UserError(
            f"{path}: no such config file (pass --config FILE, or run where {DEFAULT_CONFIG} is)"
        )
    return load_config(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    commands = {
        "run": _run,
        "evaluate": _evaluate,
        "show": _show_file,
        "init": _init,
        "history": _list_history,
        "report": _report,
    }
    try:
        return commands[args.command](args)
    except UserError as exc:
        print(redact(f"releasegate: error: {exc}"), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("releasegate: interrupted; the target was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still exit 2, never 1, which would read as a BLOCK
        if os.environ.get("RELEASEGATE_DEBUG"):
            raise
        print(
            f"releasegate: internal error: {type(exc).__name__}: {exc} "
            "(a bug in releasegate; RELEASEGATE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
