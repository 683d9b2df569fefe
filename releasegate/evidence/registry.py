"""The registry of evidence kinds: the one place that knows which kinds exist, what data each
holds and which metrics a policy check may name.

Each module in ``releasegate/evidence/kinds/`` declares one kind and calls :func:`register` at
import; the registry finds those modules itself, so adding a kind is adding one module (see
``docs/evidence-kinds.md``). Declarations are checked when they register, so a broken kind
fails at import, not in the middle of a gate decision. This module is a leaf: config, gate,
reports and the pytest plugin import it; it imports none of them.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from releasegate.model import Strict

Unit = Literal["ratio", "count", "seconds", "milliseconds", "per_second", "score"]


class KindData(Strict):
    """Base of every kind's ``data`` model; ``KIND`` names the kind it belongs to."""

    KIND: ClassVar[str]


D = TypeVar("D", bound=KindData)
R = TypeVar("R", bound=Strict)


@dataclass(frozen=True)
class Sourced(Generic[D]):
    """A kind's data and where it came from (a file, or ``live`` for in-memory evidence), so
    a reason can name the source without the measure knowing about files."""

    source: str
    data: D


@dataclass(frozen=True)
class Scope:
    """What a check asks of a measure: its ``select`` table and the stage's suites."""

    select: Mapping[str, str]
    stage_suites: tuple[str, ...]

    @property
    def suites(self) -> tuple[str, ...]:
        """The suites a check covers: the one it selects, else every suite of the stage."""
        chosen = self.select.get("suite")
        return (chosen,) if chosen else self.stage_suites


@dataclass(frozen=True)
class Measurement:
    value: float
    samples: int
    summary: str
    successes: int | None = None  # for rates: the numerator, for confidence bounds
    details: list[str] = field(default_factory=list)  # failing items, shown when it fails
    omitted: int = 0  # failing items beyond ``details``


@dataclass(frozen=True)
class NoData:
    """The metric cannot be computed from this evidence; the reason says why."""

    reason: str


Measure = Callable[[Scope, Sequence[Sourced[Any]]], Measurement | NoData]


@dataclass(frozen=True)
class Selector:
    """A key a check's ``select`` table may use with this metric."""

    name: str
    description: str
    values: tuple[str, ...] | None = None  # the allowed values; None: any non-empty text


@dataclass(frozen=True)
class Metric:
    name: str  # "<kind>.<metric>"
    unit: Unit
    description: str
    measure: Measure
    selectors: tuple[Selector, ...] = ()
    needs: frozenset[str] = frozenset()  # target capabilities without which it means nothing
    waivable: bool = True  # False: a failure may never be accepted (compliance blockers)
    headline: str | None = None  # shown under this name among the summary's business metrics

    @property
    def kind(self) -> str:
        return self.name.split(".", 1)[0]

    def selector(self, name: str) -> Selector | None:
        return next((s for s in self.selectors if s.name == name), None)


@dataclass(frozen=True)
class Records(Generic[R, D]):
    """How a kind is built from records that tests add through the ``releasegate_record``
    fixture: the model of one record, and the function that turns all of a session's records
    into the kind's data."""

    model: type[R]
    build: Callable[[list[R]], D]


@dataclass(frozen=True)
class Breakdown:
    """A chart of the HTML summary: one of the kind's metrics measured for each value of one
    of its selectors (the values found in the evidence)."""

    title: str
    metric: str
    selector: str
    values: Callable[[Sequence[Sourced[Any]]], list[str]]
    fewer_is_better: bool = False  # a count where 0 is the good bar (findings, failures)


@dataclass(frozen=True)
class Series:
    """Values over time: x values, and one line of y values (None: a gap) per name."""

    xs: list[float]
    lines: dict[str, list[float | None]]


@dataclass(frozen=True)
class Timeline:
    """A line chart of the HTML summary: how something evolved during the run (latency per
    second of load); ``series`` returns None when the evidence holds no such history."""

    title: str
    unit: str
    xlabel: str
    series: Callable[[Sequence[Sourced[Any]]], Series | None]


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    data_model: type[KindData]
    metrics: tuple[Metric, ...]
    records: Records[Any, Any] | None = None
    breakdowns: tuple[Breakdown, ...] = ()
    timelines: tuple[Timeline, ...] = ()


class KindDeclarationError(TypeError):
    """A kind module declares something inconsistent: a bug in releasegate, found at import."""


_KINDS: dict[str, Kind] = {}
_discovered = False


def _origin(kind: Kind) -> str:
    return f"{kind.data_model.__module__}.{kind.data_model.__qualname__}"


def register(kind: Kind) -> Kind:
    """Add a kind; its name, data model and metric names must agree and be new."""
    problems = []
    if not kind.name.isidentifier() or kind.name != kind.name.lower():
        problems.append(f"name {kind.name!r} is not a lower-case identifier")
    if kind.name in _KINDS and _origin(_KINDS[kind.name]) != _origin(kind):
        # the same module imported again (pytest's pytester restores sys.modules) replaces its
        # own declaration; another module declaring the name is a clash
        problems.append("is registered twice")
    if getattr(kind.data_model, "KIND", None) != kind.name:
        problems.append(f"{kind.data_model.__name__}.KIND must be {kind.name!r}")
    names = [m.name for m in kind.metrics]
    problems += [
        f"metric {n!r} must be named '{kind.name}.<metric>'"
        for n in names
        if not n.startswith(kind.name + ".") or not n.split(".", 1)[1].isidentifier()
    ]
    problems += [f"metric {n!r} is declared twice" for n in set(names) if names.count(n) > 1]
    declared = {m.name: m for m in kind.metrics}
    problems += [
        f"breakdown {b.title!r} charts {b.metric} by {b.selector!r}, which it does not declare"
        for b in kind.breakdowns
        if b.metric not in declared or declared[b.metric].selector(b.selector) is None
    ]
    if problems:
        raise KindDeclarationError(f"evidence kind {kind.name!r}: " + "; ".join(problems))
    _KINDS[kind.name] = kind
    return kind


@contextlib.contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """A kind registered for the duration of a block (a plugin's session, a test)."""
    _discover()
    register(kind)
    try:
        yield kind
    finally:
        _KINDS.pop(kind.name, None)


def _discover() -> None:
    """Import every module of ``releasegate.evidence.kinds`` once; each registers its kind."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    package = importlib.import_module("releasegate.evidence.kinds")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")


def kinds() -> Mapping[str, Kind]:
    _discover()
    return _KINDS


def kind(name: str) -> Kind | None:
    return kinds().get(name)


def metrics() -> dict[str, Metric]:
    return {m.name: m for k in kinds().values() for m in k.metrics}


def format_value(unit: str, value: float) -> str:
    """A value as people read it: rates in percent, durations with their unit."""
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "seconds":
        return f"{value:.3g} s"
    if unit == "milliseconds":
        return f"{value:.4g} ms"
    if unit == "per_second":
        return f"{value:.4g}/s"
    return f"{value:g}"
