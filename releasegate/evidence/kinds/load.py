"""``kind: load``: what Locust measured, per request name, over the steady window.

The data holds Locust's own response-time histograms (bucket in ms -> count), not only the
percentiles read from them, so evidence from parallel load jobs merges the way a Locust master
merges its workers: histograms add up, and percentiles are read from the sum.

Fails closed: zero requests, no steady window (the test stopped during ramp-up), a worker lost
mid-test or a baseline missing are NO_DATA; a generator that was busier than its CPU limit
makes every latency NO_DATA ("the load generator was the bottleneck"), since its latencies
describe the generator, not the target.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, field_validator, model_validator

from releasegate.evidence.registry import (
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Scope,
    Selector,
    Series,
    Sourced,
    Timeline,
    format_value,
    register,
)
from releasegate.model import Strict

AGGREGATED = "Aggregated"  # Locust's own name for the total row
PERCENTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}
MAX_DETAILS = 5
P95_METRIC = "load.p95_ms"  # named here once: a baseline decision is read by these names
THROUGHPUT_METRIC = "load.throughput"
Histogram = dict[str, NonNegativeInt]  # response time bucket in whole ms (as text) -> count


def percentile(histogram: Mapping[str, int], fraction: float) -> int:
    """The response time that ``fraction`` of the requests finished within, read exactly as
    Locust reads its histograms (``calculate_response_time_percentile``)."""
    total = sum(histogram.values())
    within = int(total * fraction)
    counted = 0
    for bucket in sorted((int(k) for k in histogram), reverse=True):
        counted += histogram[str(bucket)]
        if total - counted <= within:
            return bucket
    return 0


def merge(histograms: Iterable[Mapping[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for histogram in histograms:
        for bucket, count in histogram.items():
            merged[bucket] = merged.get(bucket, 0) + count
    return merged


def _check_histogram(histogram: dict[str, int]) -> dict[str, int]:
    bad = [k for k in histogram if not (k.isascii() and k.isdigit())]
    if bad:
        raise ValueError(f"histogram bucket {bad[0]!r} is not a whole number of milliseconds")
    return histogram


class Window(Strict):
    """Requests of one name over a time window, with Locust's histogram of their times."""

    requests: NonNegativeInt
    failures: NonNegativeInt
    failures_by_kind: dict[str, NonNegativeInt] = {}
    histogram: Histogram

    @field_validator("histogram")
    @classmethod
    def _buckets(cls, histogram: dict[str, int]) -> dict[str, int]:
        return _check_histogram(histogram)

    @model_validator(mode="after")
    def _consistent(self) -> Window:
        if self.failures > self.requests:
            raise ValueError(f"{self.failures} failures among {self.requests} requests")
        if sum(self.histogram.values()) > self.requests:
            raise ValueError("the histogram counts more requests than 'requests'")
        if sum(self.failures_by_kind.values()) > self.failures:
            raise ValueError("failures_by_kind counts more failures than 'failures'")
        return self


class Entry(Strict):
    """One Locust request name (``chat:appeals``, ``page``, ...)."""

    name: str = Field(min_length=1)
    method: str
    steady: Window  # the steady window: after the ramp-up and the warm-up
    total: Window  # the whole test, ramp-up included (for reading, never for judging)


class Second(Strict):
    """One second of the test, all names together."""

    t: NonNegativeFloat  # seconds since the test started
    users: NonNegativeInt
    requests: NonNegativeInt
    failures: NonNegativeInt
    p50_ms: NonNegativeInt | None
    p95_ms: NonNegativeInt | None
    cpu_percent: NonNegativeFloat | None  # the busiest generator process in this second


class Process(Strict):
    """One generator process over the steady window: the CPU it used, and the time it was
    ready to run but waited for a CPU (Linux run-queue delay: a starved generator is as much
    the bottleneck as a busy one)."""

    role: Literal["local", "master", "worker"]
    id: str
    cpu_seconds: NonNegativeFloat
    wall_seconds: NonNegativeFloat
    wait_seconds: NonNegativeFloat = 0.0

    @property
    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def busy_percent(self) -> float:
        """Running or waiting to run: what the process wanted of a CPU."""
        used = self.cpu_seconds + self.wait_seconds
        return 100 * used / self.wall_seconds if self.wall_seconds else 0.0


class Workers(Strict):
    """Distributed runs: the workers asked for, those seen, and those that went missing."""

    expected: NonNegativeInt
    connected: NonNegativeInt  # when the test started
    lost: list[str] = []  # worker ids that stopped reporting during the test


class Baseline(Strict):
    """Values of an earlier accepted run, and how far this run may move from them."""

    source: str
    run_id: str | None = None
    p95_ms: dict[str, NonNegativeFloat] = {}  # by request name (AGGREGATED for all)
    throughput: dict[str, NonNegativeFloat] = {}  # requests per second, by request name
    relative: NonNegativeFloat  # 0.2: 20 %
    floor_ms: NonNegativeFloat  # growth always allowed, however small the baseline


class LoadData(KindData):
    KIND = "load"

    host: str
    shape: str
    users: NonNegativeInt  # the configured peak
    spawn_rate: NonNegativeFloat
    duration_s: NonNegativeFloat | None  # planned; None: until stopped (web UI)
    elapsed_s: NonNegativeFloat  # how long it ran
    steady_from_s: NonNegativeFloat | None  # None: the ramp-up never completed
    steady_s: NonNegativeFloat  # length of the steady window
    stop_reason: str = ""
    cpu_limit_percent: float = Field(90.0, gt=0, le=100)
    entries: list[Entry]
    series: list[Second] = []
    generator: list[Process] = []
    workers: Workers | None = None
    baseline: Baseline | None = None

    @model_validator(mode="after")
    def _names(self) -> LoadData:
        keys = [(e.method, e.name) for e in self.entries]
        if len(keys) != len(set(keys)):
            raise ValueError("a request name is listed twice")
        return self


@dataclass(frozen=True)
class Pooled:
    """The steady-window data of every file, for the names a check selects."""

    requests: int
    failures: int
    histogram: dict[str, int]
    throughput: float
    names: dict[str, Window]  # per name, merged over files
    sources: list[str]


def _selected(scope: Scope) -> str:
    return scope.select.get("name", AGGREGATED)


def _matches(pattern: str, name: str) -> bool:
    return pattern == AGGREGATED or fnmatch.fnmatchcase(name, pattern)


def _unusable(files: Sequence[Sourced[LoadData]]) -> NoData | None:
    for f in files:
        data = f.data
        if data.workers and data.workers.lost:
            return NoData(
                f"{f.source}: {len(data.workers.lost)} of {data.workers.connected} load "
                f"worker(s) went missing mid-test ({', '.join(data.workers.lost)}): the load "
                "was not what the policy asked for"
            )
        if data.workers and data.workers.connected < data.workers.expected:
            return NoData(
                f"{f.source}: {data.workers.connected} load worker(s) connected, "
                f"{data.workers.expected} expected"
            )
        if data.steady_from_s is None or data.steady_s <= 0:
            return NoData(
                f"{f.source}: no steady window: the test stopped after {data.elapsed_s:.1f} s, "
                "before the ramp-up and warm-up ended"
            )
    return None


def pooled(scope: Scope, files: Sequence[Sourced[LoadData]]) -> Pooled | NoData:
    """The selected names' steady windows, merged over every file (parallel jobs add up)."""
    if not files:
        return NoData("no load evidence")
    if (problem := _unusable(files)) is not None:
        return problem
    pattern = _selected(scope)
    names: dict[str, Window] = {}
    throughput = 0.0
    for f in files:
        chosen = [e for e in f.data.entries if _matches(pattern, e.name)]
        throughput += sum(e.steady.requests for e in chosen) / f.data.steady_s
        for e in chosen:
            before = names.get(e.name)
            names[e.name] = e.steady if before is None else _add(before, e.steady)
    requests = sum(w.requests for w in names.values())
    if requests == 0:
        known = sorted({e.name for f in files for e in f.data.entries})
        return NoData(
            f"zero requests named {pattern} in the steady window (names: "
            f"{', '.join(known) or 'none'}): a test that sent nothing proves nothing"
        )
    return Pooled(
        requests=requests,
        failures=sum(w.failures for w in names.values()),
        histogram=merge(w.histogram for w in names.values()),
        throughput=throughput,
        names=names,
        sources=[f.source for f in files],
    )


def _add(a: Window, b: Window) -> Window:
    kinds = merge([a.failures_by_kind, b.failures_by_kind])
    return Window(
        requests=a.requests + b.requests,
        failures=a.failures + b.failures,
        failures_by_kind=kinds,
        histogram=merge([a.histogram, b.histogram]),
    )


def _where(scope: Scope) -> str:
    name = _selected(scope)
    return "requests" if name == AGGREGATED else f"requests named {name}"


def generator_busy(files: Sequence[Sourced[LoadData]]) -> NoData | None:
    """NO_DATA when any generator process was busy (running, or ready to run and waiting for a
    CPU) more than its limit over the window."""
    for f in files:
        for process in f.data.generator:
            if process.busy_percent > f.data.cpu_limit_percent:
                waited = process.busy_percent - process.cpu_percent
                return NoData(
                    f"the load generator was the bottleneck: {process.role} {process.id} used "
                    f"{process.cpu_percent:.0f} % CPU and waited {waited:.0f} % for one over the "
                    f"steady window (limit {f.data.cpu_limit_percent:.0f} %), "
                    "so its latencies describe the generator, not the target"
                )
    return None


def measure_requests(scope: Scope, files: Sequence[Sourced[LoadData]]) -> Measurement | NoData:
    pool = pooled(scope, files)
    if isinstance(pool, NoData):
        return pool
    return Measurement(
        pool.requests, pool.requests, f"{pool.requests} {_where(scope)} in the steady window"
    )


def _failing_names(pool: Pooled) -> list[str]:
    worst = sorted(pool.names.items(), key=lambda item: -item[1].failures)
    return [
        f"{name}: {w.failures} of {w.requests} failed ("
        + ", ".join(f"{k} {n}" for k, n in sorted(w.failures_by_kind.items(), key=lambda i: -i[1]))
        + ")"
        for name, w in worst
        if w.failures
    ]


def measure_error_rate(scope: Scope, files: Sequence[Sourced[LoadData]]) -> Measurement | NoData:
    pool = pooled(scope, files)
    if isinstance(pool, NoData):
        return pool
    failing = _failing_names(pool)
    summary = f"{pool.failures} of {pool.requests} {_where(scope)} failed in the steady window"
    if failing:
        summary += f"; most: {failing[0]}"
    return Measurement(
        pool.failures / pool.requests, pool.requests, summary,
        details=failing[:MAX_DETAILS], omitted=max(0, len(failing) - MAX_DETAILS),
    )  # fmt: skip


def latency(label: str) -> Callable[[Scope, Sequence[Sourced[LoadData]]], Measurement | NoData]:
    """A percentile of the steady window's response times, read from the merged histogram."""
    fraction = PERCENTILES[label]

    def measure(scope: Scope, files: Sequence[Sourced[LoadData]]) -> Measurement | NoData:
        pool = pooled(scope, files)
        if isinstance(pool, NoData):
            return pool
        if (busy := generator_busy(files)) is not None:
            return busy
        value = percentile(pool.histogram, fraction)
        slowest = sorted(
            ((percentile(w.histogram, fraction), name, w.requests) for name, w in pool.names.items()
             if w.histogram),
            reverse=True,
        )  # fmt: skip
        details = [f"{name}: {label} {ms} ms over {n} requests" for ms, name, n in slowest]
        summary = f"{label} {value} ms over {pool.requests} {_where(scope)} (steady window)"
        if len(pool.names) > 1 and slowest:
            summary += f"; slowest: {details[0]}"
        return Measurement(
            value, pool.requests, summary,
            details=details[:MAX_DETAILS], omitted=max(0, len(details) - MAX_DETAILS),
        )  # fmt: skip

    return measure


def measure_throughput(scope: Scope, files: Sequence[Sourced[LoadData]]) -> Measurement | NoData:
    pool = pooled(scope, files)
    if isinstance(pool, NoData):
        return pool
    seconds = ", ".join(f"{f.data.steady_s:.1f} s" for f in files)
    summary = (
        f"{pool.throughput:.1f} {_where(scope)} per second over the steady window ({seconds}, "
        f"{sum(f.data.users for f in files)} users)"
    )
    return Measurement(pool.throughput, pool.requests, summary)


def _baseline(files: Sequence[Sourced[LoadData]]) -> Baseline | NoData:
    found = [f.data.baseline for f in files if f.data.baseline is not None]
    if not found:
        return NoData(
            "no baseline to compare with: give the load a baseline (releasegate run "
            "--load-baseline FILE, locust --releasegate-baseline FILE, or [load] baseline)"
        )
    return found[0]


def measure_p95_regression(
    scope: Scope, files: Sequence[Sourced[LoadData]]
) -> Measurement | NoData:
    """How far p95 is above the baseline's allowance max(base x (1 + relative), base + floor);
    at most 0 is within it."""
    baseline = _baseline(files)
    if isinstance(baseline, NoData):
        return baseline
    name = _selected(scope)
    base = baseline.p95_ms.get(name)
    if base is None:
        return NoData(f"the baseline {baseline.source} has no p95 for {name}")
    observed = latency("p95")(scope, files)
    if isinstance(observed, NoData):
        return observed
    allowed = max(base * (1 + baseline.relative), base + baseline.floor_ms)
    excess = observed.value - allowed
    summary = (
        f"p95 {observed.value:g} ms for {_where(scope)}, baseline {base:g} ms "
        f"({baseline.source}); allowed max(+{baseline.relative:.0%}, +{baseline.floor_ms:g} ms) "
        f"= {allowed:g} ms: {'over by' if excess > 0 else 'within by'} {abs(excess):g} ms"
    )
    return Measurement(excess, observed.samples, summary)


def measure_throughput_ratio(
    scope: Scope, files: Sequence[Sourced[LoadData]]
) -> Measurement | NoData:
    """Throughput as a share of the baseline's, with the same users and think times."""
    baseline = _baseline(files)
    if isinstance(baseline, NoData):
        return baseline
    name = _selected(scope)
    base = baseline.throughput.get(name)
    if not base:
        return NoData(f"the baseline {baseline.source} has no throughput for {name}")
    observed = measure_throughput(scope, files)
    if isinstance(observed, NoData):
        return observed
    ratio = observed.value / base
    summary = (
        f"{observed.value:.1f}/s for {_where(scope)}, baseline {base:.1f}/s "
        f"({baseline.source}): {format_value('ratio', ratio)} of it"
    )
    return Measurement(ratio, observed.samples, summary)


NAME = Selector(
    "name",
    f"one Locust request name (chat:appeals, page, health, feedback), a glob (chat:*), or "
    f"{AGGREGATED} (the default: every request)",
)


def latency_over_time(files: Sequence[Sourced[LoadData]]) -> Series | None:
    """Per-second p50 and p95 of the run's (longest) load session, all request names together."""
    with_series = [f for f in files if f.data.series]
    if not with_series:
        return None
    seconds = max(with_series, key=lambda f: len(f.data.series)).data.series
    return Series(
        xs=[s.t for s in seconds],
        lines={
            "p50": [float(s.p50_ms) if s.p50_ms is not None else None for s in seconds],
            "p95": [float(s.p95_ms) if s.p95_ms is not None else None for s in seconds],
        },
    )


KIND = register(
    Kind(
        name="load",
        description="Locust load: steady-window requests, failures and response times",
        data_model=LoadData,
        metrics=(
            Metric("load.requests", "count", "requests in the steady window",
                   measure_requests, (NAME,)),
            Metric("load.error_rate", "ratio", "failed requests in the steady window",
                   measure_error_rate, (NAME,)),
            Metric("load.p50_ms", "milliseconds", "median response time (steady window)",
                   latency("p50"), (NAME,)),
            Metric("load.p90_ms", "milliseconds", "90th percentile response time (steady window)",
                   latency("p90"), (NAME,)),
            Metric(P95_METRIC, "milliseconds", "95th percentile response time (steady window)",
                   latency("p95"), (NAME,)),
            Metric("load.p99_ms", "milliseconds", "99th percentile response time (steady window)",
                   latency("p99"), (NAME,)),
            Metric(THROUGHPUT_METRIC, "per_second", "requests per second (steady window)",
                   measure_throughput, (NAME,)),
            Metric("load.p95_regression_ms", "milliseconds",
                   "p95 above the baseline's allowance max(base x (1 + relative), base + floor)",
                   measure_p95_regression, (NAME,)),
            Metric("load.throughput_vs_baseline", "ratio",
                   "throughput as a share of the baseline's", measure_throughput_ratio, (NAME,)),
        ),
        timelines=(Timeline("Latency over time (load)", "milliseconds",
                            "seconds since the load started", latency_over_time),),
    )
)  # fmt: skip
