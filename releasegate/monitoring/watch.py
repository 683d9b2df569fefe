"""Prometheus around a whole ``releasegate run``: started once the target answers, before the
first phase, so it scrapes every phase (smoke, the suites, load); at the end of the run every
SLI of ``[monitoring.slis]`` is evaluated over the run's window and written as ``monitoring``
evidence; then the launched server is stopped.

It only runs for a stage with a check on an SLI. With ``[monitoring] required = false``, a
Prometheus that is missing or fails to start does not stop the run: each SLI is recorded with
no value and the reason, so its checks are NO_DATA (blocking unless their level is warn).
"""

from __future__ import annotations

import contextlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from releasegate import __version__
from releasegate.config import Config
from releasegate.errors import UserError
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.monitoring import MonitoringData, SliRecord, reads_sli
from releasegate.monitoring.config import Sli
from releasegate.monitoring.files import promtool
from releasegate.monitoring.prometheus import Prometheus, PrometheusError, connected, launched
from releasegate.redaction import redact

EVIDENCE_FOLDER = "prometheus"
LOG = "prometheus.log"
SCRAPES_WAITED = 5  # scrape intervals to wait for the first and the last scrape


def _say(message: str) -> None:
    print(redact(f"releasegate: {message}"), file=sys.stderr, flush=True)


def stage_reads_slis(config: Config, stage: str) -> bool:
    checks = config.stages[stage].checks
    return any(reads_sli(config.policy.checks[c].info) for c in checks)


class Watch:
    """``with Watch(config, stage, run_dir) as watch: ... watch.start(...)``."""

    def __init__(self, config: Config, stage: str, run_dir: Path) -> None:
        self._config = config
        self._monitoring = config.monitoring_for(stage)
        self._stage = stage
        self._run_dir = run_dir
        self._stack = contextlib.ExitStack()
        self._server: Prometheus | None = None
        self._failure: str | None = None
        self._started: float | None = None  # Unix seconds of the first scrape of the window
        self._run: tuple[str, str, TargetRef] | None = None  # run id, stage, target

    def __enter__(self) -> Watch:
        return self

    def start(
        self, base_url: str, auth: tuple[str, str] | None, run_id: str, version: str | None
    ) -> None:
        """Connect to or launch Prometheus, and wait for its first scrape of the target."""
        monitoring = self._monitoring
        suites = self._config.stages[self._stage].suites
        if "monitoring" in suites and monitoring.rules and promtool() is None:
            raise UserError(
                "monitoring.rules: promtool is not installed, so the rule files cannot be "
                "checked (install Debian's prometheus: scripts/setup.sh)"
            )
        if not stage_reads_slis(self._config, self._stage):
            return
        self._run = (run_id, self._stage, TargetRef(base_url=base_url, version=version))
        try:
            if monitoring.prometheus == "launch":
                self._server = self._stack.enter_context(
                    launched(
                        monitoring, base_url, self._config.target.metrics_path, auth,
                        self._run_dir / LOG,
                    )
                )  # fmt: skip
                self._started = self._first_scrape(self._server)
                _say(f"prometheus at {self._server.url} scrapes {base_url} every "
                     f"{monitoring.scrape_interval_s:g} s")  # fmt: skip
            else:
                assert monitoring.prometheus is not None
                self._server = self._stack.enter_context(connected(monitoring.prometheus))
                self._started = time.time()
                _say(f"reading SLIs from {monitoring.prometheus} (job {monitoring.job})")
        except PrometheusError as exc:
            self._stack.close()
            self._server = None
            if monitoring.required:
                raise
            self._failure = str(exc)
            _say(f"{exc}; monitoring.required = false: the SLI checks will be NO_DATA")

    def _first_scrape(self, server: Prometheus) -> float:
        interval = self._monitoring.scrape_interval_s
        deadline = time.monotonic() + SCRAPES_WAITED * interval + 5
        while time.monotonic() < deadline:
            seen = server.last_scrape(self._monitoring.job, time.time())
            if seen is not None:
                return seen
            time.sleep(interval / 4)
        raise PrometheusError(
            f"prometheus never scraped the target within {deadline:.0f} s (see {LOG})"
        )

    def _last_scrape(self, server: Prometheus, after: float) -> float:
        """Wait for a scrape after the run's traffic, so the window holds all of it."""
        monitoring = self._monitoring
        if monitoring.prometheus != "launch":
            time.sleep(monitoring.scrape_interval_s)  # the user's server scrapes at its pace
            return time.time()
        deadline = time.monotonic() + SCRAPES_WAITED * monitoring.scrape_interval_s
        while time.monotonic() < deadline:
            seen = server.last_scrape(monitoring.job, time.time())
            if seen is not None and seen > after:
                return seen
            time.sleep(monitoring.scrape_interval_s / 4)
        return time.time()

    def _evaluate(self) -> MonitoringData:
        assert self._run is not None
        monitoring = self._monitoring
        now = time.time()
        end = now if self._server is None else self._last_scrape(self._server, now)
        start = min(self._started or now, end - monitoring.lookback_s)
        # The range (end - window, end] reaches just before the first scrape of the window.
        window = f"{max(1, round((end - start + monitoring.scrape_interval_s / 2) * 1000))}ms"
        records = [
            self._sli(name, sli, start, end, window) for name, sli in monitoring.slis.items()
        ]
        return MonitoringData(slis=records)

    def _sli(self, name: str, sli: Sli, start: float, end: float, window: str) -> SliRecord:
        job = self._monitoring.job

        def fill(promql: str) -> str:
            return promql.replace("$window", window).replace("$job", job)

        query = fill(sli.query)
        samples_query = fill(sli.samples or 'count_over_time(up{job="$job"}[$window])')
        server = self._server
        value: float | None
        problem: str | None
        if server is None:
            value, problem, samples = None, f"no Prometheus: {self._failure}", 0
        else:
            result = server.query(query, end)
            counted = server.query(samples_query, end)
            value, problem = result.value, result.problem
            samples = round(counted.value) if counted.value is not None else 0
        return SliRecord(
            name=name, query=query, prometheus=server.url if server else "none",
            start=datetime.fromtimestamp(start, UTC), end=datetime.fromtimestamp(end, UTC),
            value=value, samples=max(0, samples), samples_query=samples_query, problem=problem,
        )  # fmt: skip

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._stack:
            if kind is None and self._run is not None:
                self._write(self._evaluate())

    def _write(self, data: MonitoringData) -> None:
        assert self._run is not None
        run_id, stage, target = self._run
        evidence = make_evidence(
            data, run_id, stage, target,
            Producer(tool="releasegate-prometheus", version=__version__), datetime.now(UTC),
        )  # fmt: skip
        path = self._run_dir / "evidence" / EVIDENCE_FOLDER / f"monitoring-{run_id}.json"
        write_evidence(path, evidence)
        for sli in data.slis:
            shown = f"{sli.value:.6g}" if sli.value is not None else f"no value ({sli.problem})"
            _say(f"SLI {sli.name} = {shown} over {sli.samples} samples")
