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

    for sub in (run_cmd, evaluate_cmd):
        sub.add_argument(
            "--config",
            metavar="FILE",
            default=DEFAULT_CONFIG,
            type=Path,
            help=f"default: {DEFAULT_CONFIG}",
        )
    return parser


def _verdict(decision: Decision) -> int:
    return EXIT_PROMOTE if decision.decision == "PROMOTE" else EXIT_BLOCK


def _print(decision: Decision, files: list[Path]) -> int:
    print(redact(console.render(decision, color=console.use_color(sys.stdout))))
    if files:
        print("reports: " + " · ".join(str(f) for f in files))
    return _verdict(decision)


def _run(args: argparse.Namespace) -> int:
    from releasegate.report.files import write_decision
    from releasegate.runner import run

    result = run(
        _load(args.config), args.config, args.stage, args.base_url, args.reports,
        args.load_baseline,
    )  # fmt: skip
    code = _print(result.decision, write_decision(result.decision, result.run_dir))
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
    decision = evaluate(
        GateRequest(
            config=config,
            stage=stage,
            evidence=evidence,
            now=datetime.now(UTC),
            run_id=args.run_id,
            home=args.out or Path.cwd(),
        )
    )
    return _print(decision, write_decision(decision, args.out) if args.out else [])


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
    commands = {"run": _run, "evaluate": _evaluate, "show": _show_file, "init": _init}
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
