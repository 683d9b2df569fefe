"""The load phase of ``releasegate run``: Locust headless in a subprocess (it monkey-patches
with gevent, so never in the runner's own process), with the stage's users, spawn rate,
duration and shape, writing load evidence into the run's evidence folder."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from releasegate.errors import UserError
from releasegate.load.safety import check_caps, check_host
from releasegate.load.settings import LoadSettings

if TYPE_CHECKING:
    from releasegate.runner import PhaseResult, RunContext

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
EXIT_USAGE = 2


def check_load_target(settings: LoadSettings, base_url: str, source: str) -> None:
    """Before anything runs: the load may go to this host, within the caps."""
    check_host(base_url, settings, source)
    check_caps(settings.users, settings.spawn_rate, settings.duration_s, settings, source)


@dataclass(frozen=True)
class LoadPhase:
    settings: LoadSettings
    baseline: Path | None = None
    name: str = "load"
    suites: tuple[str, ...] = ()
    fail_fast: bool = False
    kinds: frozenset[str] | None = frozenset({"load"})

    def argv(self, context: RunContext, evidence: Path) -> list[str]:
        s = self.settings
        argv = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
            "--host", context.base_url, "-u", str(s.users), "-r", f"{s.spawn_rate:g}",
            "-t", f"{max(1, round(s.duration_s))}s", "--shape", s.shape,
            "--releasegate-config", str(context.config_path.resolve()),
            "--releasegate-stage", context.stage,
            "--releasegate-run-id", context.run_id,
            "--releasegate-evidence", str(evidence.absolute()),
            "--loglevel", "WARNING", "--stop-timeout", "2",
        ]  # fmt: skip
        if self.baseline is not None:
            argv += ["--releasegate-baseline", str(self.baseline.absolute())]
        return argv

    def run(self, context: RunContext) -> PhaseResult:
        from releasegate.runner import PhaseResult, _run_redacted, _say

        check_load_target(self.settings, context.base_url, str(context.config.source))
        evidence = context.evidence_dir / self.name
        s = self.settings
        _say(f"running load: {s.users} users, {s.spawn_rate:g}/s spawn rate, {s.duration_s:g} s, "
             f"shape {s.shape}")  # fmt: skip
        code = _run_redacted(self.argv(context, evidence), context.config.root)
        if code == EXIT_USAGE:
            raise UserError("the load could not run; its message is above")
        wrote = any(evidence.glob("load-*.json"))
        return PhaseResult(wrote, f"locust ended with exit code {code}")
