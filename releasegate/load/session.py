"""One load session: the config, the conversations, the target and the options Locust parsed.

Built once per process in Locust's ``init`` event (master, worker or standalone). When no
``--host`` is given, the configured target is launched on a free loopback port, exactly as
``releasegate run`` does, and stopped when Locust quits.
"""

from __future__ import annotations

import contextlib
import random
import sys
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasegate.chat.compliance import Judge, judge_with
from releasegate.chat.contract import resolve_headers
from releasegate.chat.scripts import Case, Script, expand, load_scripts
from releasegate.config import Config, load_config
from releasegate.errors import UserError
from releasegate.load.baseline import read_baseline
from releasegate.load.safety import check_caps, check_host
from releasegate.load.settings import LoadSettings
from releasegate.target import launched

EXIT_USAGE = 2


def add_options(parser: Any) -> None:
    """Locust's ``init_command_line_parser``: releasegate's options, also shown in the web UI."""
    group = parser.add_argument_group("releasegate")
    group.add_argument("--releasegate-config", default="releasegate.toml", metavar="FILE",
                       help="the releasegate config (default: releasegate.toml)")  # fmt: skip
    group.add_argument("--releasegate-stage", default=None, metavar="NAME",
                       help="stage whose load settings and checks apply (default: 'load' when "
                       "the config has it, else its default_stage)")  # fmt: skip
    group.add_argument("--releasegate-evidence", default=None, metavar="DIR",
                       help="where load evidence is written (default: "
                       "reports/<run-id>/evidence/load)")  # fmt: skip
    group.add_argument("--releasegate-run-id", default=None, metavar="ID",
                       help="run id of the evidence (default: a new one per test)")  # fmt: skip
    group.add_argument("--releasegate-baseline", default=None, metavar="FILE",
                       help="load evidence or decision.json to compare p95 and throughput "
                       "with")  # fmt: skip
    group.add_argument("--shape", default=None, choices=["ramp", "step", "spike", "soak"],
                       help="load shape (default: [load] shape of the config)")  # fmt: skip


def fail(message: str) -> None:
    """A usage error in a Locust process: one line, exit 2, before any request is sent."""
    print(f"releasegate: {message}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_USAGE)


@dataclass
class Session:
    config: Config
    stage: str
    settings: LoadSettings
    scripts: list[tuple[Script, list[Case]]]
    weights: list[float]
    judge: Judge
    headers: dict[str, str]
    baseline_path: Path | None
    options: Namespace
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def pick_case(self) -> Case:
        _script, cases = random.choices(self.scripts, weights=self.weights)[0]
        return random.choice(cases)

    def think(self) -> float:
        low, high = self.settings.think_time_s
        return random.uniform(low, high)

    def check_host(self, url: str) -> None:
        check_host(url, self.settings, str(self.config.source))

    def baseline(self) -> Any:
        return read_baseline(self.baseline_path, self.settings) if self.baseline_path else None


def _stage(config: Config, asked: str | None) -> str:
    if asked:
        return config.stage(asked)[0]
    return "load" if "load" in config.stages else config.default_stage


def _weights(scripts: list[Script], settings: LoadSettings) -> list[float]:
    """A script weighs as much as its heaviest tag (1 for a tag [load] tags does not name)."""
    return [
        max((settings.tags.get(t, 1.0) for t in s.conversation.tags), default=1.0) for s in scripts
    ]


def open_session(options: Namespace) -> Session:
    """Read the config and conversations named by the options; UserError when they are bad."""
    config = load_config(Path(options.releasegate_config))
    stage_name = _stage(config, options.releasegate_stage)
    stage = config.stages[stage_name]
    settings = config.load_settings(stage) or config.load
    if options.shape:
        settings = settings.model_copy(update={"shape": options.shape})
    scripts = load_scripts(config.path(config.conversations_dir))
    weights = _weights(scripts, settings)
    playable = [(s, expand(s)) for s, w in zip(scripts, weights, strict=True) if w > 0]
    if settings.mix.conversation and not playable:
        raise UserError(
            f"{config.source}: no conversation to play under load in "
            f"{config.path(config.conversations_dir)} (or every tag weighs 0 in [load] tags)"
        )
    try:
        headers = resolve_headers(config.target.chat.headers, "target.chat.headers")
    except ValueError as exc:
        raise UserError(f"{config.source}: {exc}") from None
    baseline = options.releasegate_baseline or settings.baseline
    baseline_path = (
        Path(options.releasegate_baseline) if options.releasegate_baseline
        else config.path(baseline) if baseline else None
    )  # fmt: skip
    session = Session(
        config=config, stage=stage_name, settings=settings, scripts=playable,
        weights=[w for w in weights if w > 0], judge=judge_with(config.conversation_policy()),
        headers=headers, baseline_path=baseline_path, options=options,
    )  # fmt: skip
    if baseline_path:
        session.baseline()  # a bad baseline is a usage error now, not after the test
    return session


def prepare_target(session: Session, environment: Any) -> None:
    """Master or standalone: the host to load (launching the configured target when none is
    given), checked against the allowed hosts, and the options within the caps; then the
    config's users, spawn rate and (headless) duration wherever Locust's were not given."""
    options = session.options
    settings = session.settings
    if options.num_users is None:
        options.num_users = settings.users
    if options.spawn_rate is None:
        options.spawn_rate = settings.spawn_rate
    if options.headless and not options.run_time:
        options.run_time = int(settings.duration_s) or 1
    check_caps(options.num_users, options.spawn_rate, options.run_time, settings,
               str(session.config.source))  # fmt: skip
    host = options.host or environment.host
    if not host:
        target = session.config.target
        if target.base_url:
            host = target.base_url
        else:
            launch = session.stack.enter_context(
                launched(target, announce=True, cwd=session.config.root)
            )
            host = launch.ready().base_url
    session.check_host(host)
    options.host = environment.host = host
