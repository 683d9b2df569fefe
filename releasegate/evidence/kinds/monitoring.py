"""``kind: monitoring``: proof that the target's monitoring works, from two producers.

The monitoring suite records what it measured on ``/metrics``: each counter's change against
what the suite's own traffic should have caused, each metric a dashboard panel or an alert rule
refers to (exposed or not), each dashboard and rule file (valid or not). The run's Prometheus
(launched, or the user's) adds one SLI record per configured query, evaluated over the run's
window. An SLI with no value (an empty result, NaN, Prometheus unreachable) is NO_DATA.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import Field, NonNegativeInt, model_validator

from releasegate.evidence.registry import (
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Records,
    Scope,
    Selector,
    Sourced,
    Unit,
    register,
)
from releasegate.model import Strict, Timestamp

MAX_DETAILS = 5


class CounterRecord(Strict):
    """One counter's change over the suite's own traffic. ``exact``: the window was quiet (no
    other client's requests in it), so the change must equal what was caused; otherwise other
    traffic may only add, and the change must be at least that."""

    event: str
    metric: str
    labels: dict[str, str] = {}
    expected: int = Field(ge=1)
    observed: float | None  # None: the sample is not on /metrics (after the traffic)
    exact: bool
    ok: bool

    @model_validator(mode="after")
    def _judged(self) -> CounterRecord:
        if self.ok != counter_ok(self.expected, self.observed, self.exact):
            raise ValueError(f"{self.metric}: 'ok' does not follow from expected and observed")
        return self

    @property
    def series(self) -> str:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{labels}}}" if labels else self.metric

    def describe(self) -> str:
        seen = "missing from /metrics" if self.observed is None else f"+{self.observed:g}"
        bound = "exactly" if self.exact else "at least"
        return f"{self.series} ({self.event}): expected {bound} +{self.expected}, observed {seen}"


def counter_ok(expected: int, observed: float | None, exact: bool) -> bool:
    if observed is None:
        return False
    return observed == expected if exact else observed >= expected


class ReferenceRecord(Strict):
    """A metric that a dashboard panel or a rule expression refers to."""

    file: str
    where: str  # 'panel "API error ratio" (line 40)', 'rule TaxbotDown (line 20)'
    metric: str
    exposed: bool


class FileRecord(Strict):
    file: str
    what: str  # "dashboard" or "rules"
    valid: bool
    problem: str | None = None  # with the line, when invalid

    @model_validator(mode="after")
    def _explained(self) -> FileRecord:
        if not self.valid and not self.problem:
            raise ValueError(f"{self.file}: invalid without a problem")
        return self


class MonitoringRecord(Strict):
    """What a monitoring test records: a counter, a reference or a file."""

    counter: CounterRecord | None = None
    reference: ReferenceRecord | None = None
    file: FileRecord | None = None

    @model_validator(mode="after")
    def _one(self) -> MonitoringRecord:
        if sum(x is not None for x in (self.counter, self.reference, self.file)) != 1:
            raise ValueError("a record is one of counter, reference or file")
        return self


class SliRecord(Strict):
    """One SLI query evaluated at ``end`` over the window from ``start``."""

    name: str
    query: str  # as sent, placeholders filled in
    prometheus: str
    start: Timestamp
    end: Timestamp
    value: float | None  # None: no usable value (``problem`` says why)
    samples: NonNegativeInt
    samples_query: str
    problem: str | None = None

    @model_validator(mode="after")
    def _explained(self) -> SliRecord:
        if self.value is None and not self.problem:
            raise ValueError(f"SLI {self.name}: no value and no problem")
        if self.end < self.start:
            raise ValueError(f"SLI {self.name}: the window ends before it starts")
        return self


class MonitoringData(KindData):
    KIND = "monitoring"

    counters: list[CounterRecord] = []
    references: list[ReferenceRecord] = []
    files: list[FileRecord] = []
    slis: list[SliRecord] = []


def build(records: list[MonitoringRecord]) -> MonitoringData:
    return MonitoringData(
        counters=[r.counter for r in records if r.counter is not None],
        references=[r.reference for r in records if r.reference is not None],
        files=[r.file for r in records if r.file is not None],
    )


def _details(items: list[str]) -> tuple[list[str], int]:
    return items[:MAX_DETAILS], max(0, len(items) - MAX_DETAILS)


def measure_counters(
    scope: Scope, files: Sequence[Sourced[MonitoringData]]
) -> Measurement | NoData:
    """Counters that moved by what the suite's traffic caused / counters checked."""
    event = scope.select.get("event")
    counters = [c for f in files for c in f.data.counters if event in (None, c.event)]
    if not counters:
        where = f" for event {event}" if event else ""
        return NoData(f"no counter was checked{where} (did the monitoring suite run?)")
    moved = [c for c in counters if c.ok]
    exact = sum(c.exact for c in counters)
    summary = (
        f"{len(moved)} of {len(counters)} counters moved by what the suite's traffic caused "
        f"({exact} compared exactly in a quiet window, {len(counters) - exact} as lower bounds)"
    )
    details, omitted = _details([c.describe() for c in counters if not c.ok])
    return Measurement(len(moved) / len(counters), len(counters), summary, len(moved), details,
                       omitted)  # fmt: skip


def measure_missing(scope: Scope, files: Sequence[Sourced[MonitoringData]]) -> Measurement | NoData:
    """Metrics referred to by dashboards and rules that the target does not expose."""
    refs = [r for f in files for r in f.data.references]
    if not refs:
        return NoData("no dashboard panel or rule reference was checked (none configured?)")
    missing = [r for r in refs if not r.exposed]
    names = sorted({r.metric for r in missing})
    summary = f"{len(missing)} of {len(refs)} metric references not on /metrics"
    if names:
        summary += f": {', '.join(names)}"
    details, omitted = _details(
        [f"{r.file} {r.where}: {r.metric} is not on the target's /metrics" for r in missing]
    )
    return Measurement(len(missing), len(refs), summary, details=details, omitted=omitted)


def measure_invalid(scope: Scope, files: Sequence[Sourced[MonitoringData]]) -> Measurement | NoData:
    """Dashboard and rule files that do not parse or that promtool rejects."""
    checked = [x for f in files for x in f.data.files]
    if not checked:
        return NoData("no dashboard or rule file was checked (none configured?)")
    bad = [x for x in checked if not x.valid]
    summary = f"{len(bad)} of {len(checked)} dashboard and rule files invalid"
    details, omitted = _details([f"{x.file}: {x.problem}" for x in bad])
    return Measurement(len(bad), len(checked), summary, details=details, omitted=omitted)


def measure_sli(scope: Scope, files: Sequence[Sourced[MonitoringData]]) -> Measurement | NoData:
    """The value of the selected SLI query over the run's window."""
    name = scope.select.get("name", "")
    found = [s for f in files for s in f.data.slis if s.name == name]
    if not found:
        return NoData(
            f"SLI '{name}' was not measured (no Prometheus evidence: did the run finish, with "
            "[monitoring] prometheus set?)"
        )
    sli = found[-1]
    window = f"{sli.start:%H:%M:%S}-{sli.end:%H:%M:%S} UTC"
    if sli.value is None:
        return NoData(f"SLI '{name}' has no value over {window}: {sli.problem}; query: {sli.query}")
    assert math.isfinite(sli.value)
    summary = (
        f"SLI '{name}' = {sli.value:.6g} over {window} ({sli.samples} samples: "
        f"{sli.samples_query}); query: {sli.query}"
    )
    return Measurement(sli.value, sli.samples, summary)


NAME = Selector("name", "the SLI, a key of [monitoring.slis]")
EVENT = Selector(
    "event", "one event's counters", ("chats", "disclaimers", "handoffs", "leads", "feedback")
)
METRICS_ENDPOINT = frozenset({"metrics"})


def _sli(name: str, unit: Unit, what: str) -> Metric:
    return Metric(name, unit, what, measure_sli, (NAME,))


def reads_sli(metric: Metric) -> bool:
    """Checks on these metrics need a Prometheus and an SLI of ``[monitoring.slis]``."""
    return metric.measure is measure_sli


KIND = register(
    Kind(
        name="monitoring",
        description="counters that move, dashboards and rules that refer to real metrics, SLIs",
        data_model=MonitoringData,
        records=Records(MonitoringRecord, build),
        metrics=(
            Metric("monitoring.counters_moved", "ratio",
                   "counters that moved by what the suite's own traffic caused",
                   measure_counters, (EVENT,), needs=METRICS_ENDPOINT),
            Metric("monitoring.missing_metrics", "count",
                   "metrics a dashboard panel or rule refers to that the target does not expose",
                   measure_missing, needs=METRICS_ENDPOINT),
            Metric("monitoring.invalid_files", "count",
                   "dashboard files that are not valid JSON, rule files promtool rejects",
                   measure_invalid),
            _sli("monitoring.sli", "score", "an SLI query's value (a plain number)"),
            _sli("monitoring.sli_ratio", "ratio", "an SLI query's value, a fraction"),
            _sli("monitoring.sli_seconds", "seconds", "an SLI query's value, in seconds"),
        ),
    )
)  # fmt: skip
