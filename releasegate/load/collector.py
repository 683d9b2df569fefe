"""Load evidence from Locust's own stats: snapshots of every entry's response-time histogram
when the steady window opens (the ramp-up done, then the warm-up) and when the test stops; the
difference is the steady window. A greenlet samples every second for the series, the CPU of
the generator processes and the workers still reporting.

On a master, stats arrive in worker reports (every few seconds), so the window is read from
what has arrived; worker CPU comes with those reports (``report_to_master``).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import psutil
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from releasegate.evidence.kinds.load import (
    Entry,
    LoadData,
    Process,
    Second,
    Window,
    Workers,
    percentile,
)
from releasegate.load.session import Session

PROGRESS_S = 2  # seconds between progress lines of a headless test
CPU_KEY = "releasegate_cpu"  # in worker reports: (wall clock, CPU seconds of the worker)
KIND = re.compile(r"^(?:\w+\(['\"])?([a-z][a-z0-9_]*):")


def failure_kind(error: object) -> str:
    """``http_500: POST ...`` (or its repr) -> ``http_500``; any other error by its class."""
    found = KIND.match(str(error))
    if found:
        return found.group(1)
    return type(error).__name__ if isinstance(error, BaseException) else "other"


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def wait_seconds() -> float:
    """Seconds this process's main thread (where gevent runs every user) was ready to run but
    waited for a CPU, from Linux's schedstat; 0 where the kernel does not say."""
    try:
        fields = Path("/proc/thread-self/schedstat").read_text().split()
        return int(fields[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


@dataclass
class Snapshot:
    at: float
    entries: dict[tuple[str, str], tuple[int, int, dict[int, int]]]
    errors: dict[tuple[str, str, str], int]


def snapshot(stats: Any) -> Snapshot:
    # Locust keeps one error per distinct message: many messages share a kind, so they add up
    errors: Counter[tuple[str, str, str]] = Counter()
    for err in stats.errors.values():
        errors[(err.method, err.name, failure_kind(err.error))] += err.occurrences
    return Snapshot(
        at=time.time(),
        entries={
            key: (e.num_requests, e.num_failures, dict(e.response_times))
            for key, e in stats.entries.items()
        },
        errors=dict(errors),
    )


def _kinds(errors: dict[tuple[str, str, str], int], method: str, name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for (m, n, kind), count in errors.items():
        if m == method and n == name and count:
            out[kind] = out.get(kind, 0) + count
    return out


def _window(after: tuple[int, int, dict[int, int]], before: tuple[int, int, dict[int, int]],
            kinds: dict[str, int]) -> Window:  # fmt: skip
    requests = after[0] - before[0]
    failures = after[1] - before[1]
    histogram = {
        str(ms): n - before[2].get(ms, 0) for ms, n in after[2].items() if n - before[2].get(ms, 0)
    }
    kept = {k: n for k, n in kinds.items() if n > 0}
    return Window(requests=requests, failures=failures, failures_by_kind=kept, histogram=histogram)


EMPTY: tuple[int, int, dict[int, int]] = (0, 0, {})


@dataclass
class Collector:
    """Everything one test (start to stop) needs for its evidence."""

    environment: Any
    session: Session
    started: float = field(default_factory=time.time)
    steady: Snapshot | None = None
    series: list[Second] = field(default_factory=list)
    expected_workers: int = 0
    connected_workers: int = 0
    seen_workers: set[str] = field(default_factory=set)
    lost_workers: set[str] = field(default_factory=set)
    # process id -> (wall clock, CPU seconds, run-queue wait seconds)
    cpu_start: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    cpu_last: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    worker_cpu_now: dict[str, float] = field(default_factory=dict)
    last_report: float | None = None
    opening: bool = False
    greenlet: Any = None
    process: psutil.Process = field(default_factory=psutil.Process)

    @property
    def runner(self) -> Any:
        return self.environment.runner

    @property
    def role(self) -> str:
        return "master" if isinstance(self.runner, MasterRunner) else "local"

    def start(self) -> None:
        self.cpu_last["self"] = (time.time(), cpu_seconds(self.process), wait_seconds())
        self.process.cpu_percent()  # the first call only starts the measurement
        if isinstance(self.runner, MasterRunner):
            options = self.environment.parsed_options
            self.expected_workers = int(getattr(options, "expect_workers", 1) or 1)
            self.seen_workers = {c.id for c in self.runner.clients.all}
            self.connected_workers = len(self.seen_workers)
        self.greenlet = gevent.spawn(self._sample)

    def _ramped_up(self) -> None:
        """Once every user the shape asks for is running (on a master: reported by the
        workers), the steady window opens after the warm-up."""
        target = int(getattr(self.runner, "target_user_count", 0) or 0)
        if self.opening or target <= 0 or self.runner.user_count < target:
            return
        self.opening = True
        gevent.spawn_later(self.session.settings.warmup_s, self._open_window)

    def _open_window(self) -> None:
        if self.steady is not None or self.greenlet is None:
            return
        self.steady = snapshot(self.environment.stats)
        now = time.time()
        self.cpu_start.update(self.cpu_last)  # workers: from their last report
        self.cpu_start["self"] = (now, cpu_seconds(self.process), wait_seconds())
        if isinstance(self.runner, MasterRunner):
            self.connected_workers = max(self.connected_workers, self.runner.worker_count)

    def worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        now = time.time()
        self.last_report = now
        reported = data.get(CPU_KEY)
        if isinstance(reported, list | tuple) and len(reported) == 3:
            wall, cpu, wait = (float(x) for x in reported)
            previous = self.cpu_last.get(client_id)
            if previous and wall > previous[0]:
                self.worker_cpu_now[client_id] = 100 * (cpu - previous[1]) / (wall - previous[0])
            self.cpu_last[client_id] = (wall, cpu, wait)
            if self.steady is None or client_id not in self.cpu_start:
                # a worker whose first report (every 3 s) came after the window opened is
                # measured from that report on
                self.cpu_start[client_id] = (wall, cpu, wait)

    def _sample(self) -> None:
        total = self.environment.stats.total
        before = (total.num_requests, total.num_failures, dict(total.response_times))
        while True:
            gevent.sleep(1)
            total = self.environment.stats.total
            after = (total.num_requests, total.num_failures, dict(total.response_times))
            window = _window(after, before, {})
            before = after
            cpu: float | None = self.process.cpu_percent()
            self._ramped_up()
            if isinstance(self.runner, MasterRunner):
                self._watch_workers()
                cpu = max([*self.worker_cpu_now.values(), cpu or 0.0])
            self.series.append(Second(
                t=round(time.time() - self.started, 3), users=self.runner.user_count,
                requests=window.requests, failures=window.failures,
                p50_ms=percentile(window.histogram, 0.5) if window.histogram else None,
                p95_ms=percentile(window.histogram, 0.95) if window.histogram else None,
                cpu_percent=round(cpu, 1) if cpu is not None else None,
            ))  # fmt: skip
            if self.environment.parsed_options.headless and len(self.series) % PROGRESS_S == 0:
                self._progress(self.series[-PROGRESS_S:])

    def _progress(self, seconds: list[Second]) -> None:
        """One line every few seconds while a headless test runs."""
        last = seconds[-1]
        planned = self.environment.parsed_options.run_time
        rate = sum(s.requests for s in seconds) / len(seconds)
        p95 = max((s.p95_ms for s in seconds if s.p95_ms is not None), default=None)
        print(
            f"releasegate: load {last.t:.0f}" + (f"/{planned}" if planned else "") + " s · "
            f"{last.users} users · {rate:.1f} req/s · p95 {p95 if p95 is not None else '-'} ms"
            f" · {sum(s.failures for s in seconds)} failures · generator CPU "
            f"{last.cpu_percent if last.cpu_percent is not None else '-'} %"
            + ("" if self.steady else " (ramp-up)"),
            file=sys.stderr, flush=True,
        )  # fmt: skip

    def _watch_workers(self, final: bool = False) -> None:
        """Workers seen; at the end, those gone or still missing are lost (one that missed a
        heartbeat on a busy machine and came back is not)."""
        clients = {c.id: c for c in self.runner.clients.all}
        self.seen_workers |= set(clients)
        self.connected_workers = max(self.connected_workers, len(clients))
        if final:
            self.lost_workers = {
                w for w in self.seen_workers
                if w not in clients or clients[w].state == STATE_MISSING
            }  # fmt: skip

    def finish(self, reason: str) -> LoadData:
        """Stop sampling and build the evidence of the test."""
        if self.greenlet is not None:
            self.greenlet.kill(block=False)
            self.greenlet = None
        return self.build(reason)

    def finish_preview(self) -> LoadData:
        """The evidence as it would be if the test stopped now (the web UI's live tab)."""
        return self.build("running")

    def build(self, reason: str) -> LoadData:
        if isinstance(self.runner, MasterRunner):
            self._watch_workers(final=reason != "running")
        stats = self.environment.stats
        end = snapshot(stats)
        now = end.at
        if self.role == "master" and self.last_report is not None:
            end.at = min(now, self.last_report)
        entries = []
        for key in sorted(end.entries):
            method, name = key[1], key[0]
            steady_before = self.steady.entries.get(key, EMPTY) if self.steady else end.entries[key]
            errors_before = self.steady.errors if self.steady else end.errors
            steady_kinds = {
                k: n - errors_before.get((method, name, k), 0)
                for k, n in _kinds(end.errors, method, name).items()
            }
            entries.append(Entry(
                name=name, method=method,
                steady=_window(end.entries[key], steady_before, steady_kinds),
                total=_window(end.entries[key], EMPTY, _kinds(end.errors, method, name)),
            ))  # fmt: skip
        options = self.environment.parsed_options
        steady_from = self.steady.at - self.started if self.steady else None
        steady_s = max(0.0, end.at - self.steady.at) if self.steady else 0.0
        return LoadData(
            host=self.environment.host or "", shape=self.session.settings.shape,
            users=int(options.num_users or 0), spawn_rate=float(options.spawn_rate or 0),
            duration_s=float(options.run_time) if options.run_time else None,
            elapsed_s=round(now - self.started, 3),
            steady_from_s=round(steady_from, 3) if steady_from is not None else None,
            steady_s=round(steady_s, 3), stop_reason=reason,
            cpu_limit_percent=self.session.settings.max_generator_cpu_percent,
            entries=entries, series=self.series, generator=self._generator(now),
            workers=self._workers(), baseline=self.session.baseline(),
        )  # fmt: skip

    def _generator(self, now: float) -> list[Process]:
        processes = []
        if "self" in self.cpu_start:
            wall, cpu, wait = self.cpu_start["self"]
            processes.append(Process(
                role="master" if self.role == "master" else "local", id=str(self.process.pid),
                cpu_seconds=round(max(0.0, cpu_seconds(self.process) - cpu), 3),
                wall_seconds=round(now - wall, 3),
                wait_seconds=round(max(0.0, wait_seconds() - wait), 3),
            ))  # fmt: skip
        for worker, (wall, cpu, wait) in sorted(self.cpu_start.items()):
            last = self.cpu_last.get(worker)
            if worker == "self" or last is None:
                continue
            processes.append(Process(
                role="worker", id=worker, cpu_seconds=round(max(0.0, last[1] - cpu), 3),
                wall_seconds=round(max(0.0, last[0] - wall), 3),
                wait_seconds=round(max(0.0, last[2] - wait), 3),
            ))  # fmt: skip
        return processes

    def _workers(self) -> Workers | None:
        if self.role != "master":
            return None
        return Workers(
            expected=self.expected_workers, connected=self.connected_workers,
            lost=sorted(self.lost_workers),
        )  # fmt: skip


def add_cpu_to_report(client_id: str, data: dict[str, Any]) -> None:
    """Worker side of ``report_to_master``: its CPU seconds so far, with the time."""
    data[CPU_KEY] = (time.time(), cpu_seconds(psutil.Process()), wait_seconds())


def is_worker(environment: Any) -> bool:
    return isinstance(environment.runner, WorkerRunner)
