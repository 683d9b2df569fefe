"""``kind: a11y``: what the accessibility suite scanned (each page or chat state, by each
family of checks: axe, keyboard, screen-reader structure) and every finding on an element.

A page or state that could not be loaded or scanned makes the counts NO_DATA, never zero: "no
violation" on a page nobody looked at is not a pass. Findings already present in the baseline
(same rule, same page, same normalized selector: :func:`identity`) are marked ``known`` by the
suite; ``a11y.new_violations`` counts only the others, so a known debt is reported, not blocked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, get_args

from pydantic import NonNegativeFloat, model_validator

from releasegate.evidence.registry import (
    Breakdown,
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Records,
    Scope,
    Selector,
    Sourced,
    register,
)
from releasegate.model import Strict

Source = Literal["axe", "keyboard", "structure"]
Impact = Literal["minor", "moderate", "serious", "critical"]
Level = Literal["block", "warn"]
SOURCES: tuple[Source, ...] = get_args(Source)
IMPACTS: tuple[Impact, ...] = get_args(Impact)  # in increasing order
MAX_DETAILS = 8


class Scan(Strict):
    """One family of checks run on one page state: did it run, and if not, why."""

    page: str  # the path, like /help.html
    state: str  # "loaded" for a configured page; a chat state: empty, conversation, ...
    source: Source
    ok: bool
    reason: str = ""  # why it could not run (HTTP 404, timeout, script error)
    seconds: NonNegativeFloat = 0.0

    @model_validator(mode="after")
    def _reason(self) -> Scan:
        if not self.ok and not self.reason:
            raise ValueError("a failed scan needs a reason")
        return self


class Finding(Strict):
    """One rule broken by one element of one page state."""

    source: Source
    rule: str  # axe rule id (color-contrast) or a releasegate check (focus-not-visible)
    impact: Impact
    level: Level
    page: str
    state: str
    selector: str  # as the engine reported it
    message: str
    html: str = ""  # the element's markup, shortened
    help_url: str = ""
    criteria: list[str] = []  # WCAG success criteria: 1.4.3, 2.4.7
    engines: list[str] = []  # every engine that reported it, after merging duplicates
    known: bool = False  # present in the baseline
    screenshot: str | None = None  # relative to the run folder


class A11yRecord(Strict):
    """What an a11y test records: a scan, or a finding."""

    scan: Scan | None = None
    finding: Finding | None = None

    @model_validator(mode="after")
    def _one(self) -> A11yRecord:
        if (self.scan is None) == (self.finding is None):
            raise ValueError("a record is either a scan or a finding")
        return self


class A11yData(KindData):
    KIND = "a11y"

    scans: list[Scan]
    findings: list[Finding]

    @model_validator(mode="after")
    def _scanned(self) -> A11yData:
        ran = {(s.page, s.state, s.source) for s in self.scans if s.ok}
        for f in self.findings:
            if (f.page, f.state, f.source) not in ran:
                raise ValueError(
                    f"finding {f.rule} on {f.page} [{f.state}] has no successful {f.source} scan"
                )
        return self


def build(records: list[A11yRecord]) -> A11yData:
    return A11yData(
        scans=[r.scan for r in records if r.scan is not None],
        findings=[r.finding for r in records if r.finding is not None],
    )


_STRUCTURAL = re.compile(r":(?:nth-child|nth-of-type|nth-last-child|nth-last-of-type)\([^)]*\)")
_DIGITS = re.compile(r"\d+")


def normalize_selector(selector: str) -> str:
    """The part of a selector that survives content changes: positions (``:nth-child(3)``) and
    numbers (generated ids, message counters) removed, whitespace and case folded. The same
    element in the next build, after one more message, keeps its identity."""
    text = _STRUCTURAL.sub("", selector)
    text = _DIGITS.sub("#", text)
    return " ".join(text.replace(">", " > ").split()).lower()


def identity(finding: Finding) -> str:
    """What makes two findings the same violation across runs: rule, page and element."""
    return f"{finding.rule}|{finding.page}|{normalize_selector(finding.selector)}"


def mark_known(findings: Iterable[Finding], baseline: set[str]) -> list[Finding]:
    """The findings with ``known`` set where the baseline (a set of :func:`identity`) has them;
    the hook for any history store: give it the identities of the last promoted run."""
    return [f.model_copy(update={"known": identity(f) in baseline}) for f in findings]


def _in_scope(scope: Scope, source: str, page: str, state: str) -> bool:
    select = scope.select
    return (
        select.get("source", source) == source
        and select.get("page", page) == page
        and select.get("state", state) == state
    )


def _matches(scope: Scope, f: Finding) -> bool:
    select = scope.select
    floor = select.get("min_impact")
    return (
        _in_scope(scope, f.source, f.page, f.state)
        and select.get("level", f.level) == f.level
        and select.get("impact", f.impact) == f.impact
        and (floor is None or IMPACTS.index(f.impact) >= IMPACTS.index(floor))
        and select.get("rule", f.rule) == f.rule
        and ("criterion" not in select or select["criterion"] in f.criteria)
    )


def _scans(scope: Scope, files: Sequence[Sourced[A11yData]]) -> list[Scan] | NoData:
    scans = [s for f in files for s in f.data.scans if _in_scope(scope, s.source, s.page, s.state)]
    if not scans:
        return NoData("no page or state was scanned" + _what(scope))
    failed = [s for s in scans if not s.ok]
    if failed:
        shown = "; ".join(f"{s.page} [{s.state}] {s.source}: {s.reason}" for s in failed[:4])
        more = f" (and {len(failed) - 4} more)" if len(failed) > 4 else ""
        return NoData(f"{len(failed)} of {len(scans)} scan(s) could not run: {shown}{more}")
    return scans


def _what(scope: Scope) -> str:
    keys = ("source", "page", "state", "level", "impact", "min_impact", "rule", "criterion")
    chosen = [f"{k} {scope.select[k]}" for k in keys if k in scope.select]
    return f" ({', '.join(chosen)})" if chosen else ""


def describe(f: Finding) -> str:
    """One line per finding, as a decision shows it: rule, page and state, element, why."""
    criteria = f" WCAG {', '.join(f.criteria)}" if f.criteria else ""
    known = " (known)" if f.known else ""
    where = f"{f.page} [{f.state}]"
    return f"{f.rule} ({f.impact}{criteria}) on {where}: {f.selector}: {f.message}{known}"


def violations_of(
    new_only: bool,
) -> Callable[[Scope, Sequence[Sourced[A11yData]]], Measurement | NoData]:
    """Findings matching the check's selection, over every scan it covers (the samples)."""

    def measure(scope: Scope, files: Sequence[Sourced[A11yData]]) -> Measurement | NoData:
        scans = _scans(scope, files)
        if isinstance(scans, NoData):
            return scans
        found = [f for file in files for f in file.data.findings if _matches(scope, f)]
        counted = [f for f in found if not (new_only and f.known)]
        states = len({(s.page, s.state) for s in scans})
        known = len(found) - len(counted)
        rules = sorted({f.rule for f in counted})
        summary = (
            f"{len(counted)} {'new ' if new_only else ''}finding(s){_what(scope)} on {states} "
            f"page state(s)"
            + (f": {', '.join(rules)}" if rules else "")
            + (f"; {known} known from the baseline" if known else "")
        )
        details = [describe(f) for f in counted]
        return Measurement(
            len(counted), len(scans), summary, None, details[:MAX_DETAILS],
            max(0, len(details) - MAX_DETAILS),
        )  # fmt: skip

    return measure


def measure_states(scope: Scope, files: Sequence[Sourced[A11yData]]) -> Measurement | NoData:
    """Page states that every family of checks scanned; a state that failed anywhere is not
    counted, and the reason names it."""
    scans = [s for f in files for s in f.data.scans if _in_scope(scope, s.source, s.page, s.state)]
    if not scans:
        return NoData("no page or state was scanned" + _what(scope))
    states = {(s.page, s.state) for s in scans}
    failed = {(s.page, s.state) for s in scans if not s.ok}
    good = states - failed
    missing = [f"{p} [{s}]" for p, s in sorted(failed)]
    summary = f"{len(good)} of {len(states)} page state(s) scanned" + (
        f"; not scanned: {', '.join(missing[:5])}" if missing else ""
    )
    return Measurement(len(good), len(states), summary, details=missing[:MAX_DETAILS])


SELECTORS = (
    Selector("source", "one family of checks", SOURCES),
    Selector("level", "block (the policy's blocking rule tags) or warn", get_args(Level)),
    Selector("impact", "one impact only", IMPACTS),
    Selector("min_impact", "this impact or worse", IMPACTS),
    Selector("rule", "one rule id (color-contrast, focus-not-visible)"),
    Selector("criterion", "one WCAG success criterion (1.4.3)"),
    Selector("page", "one page path (/)"),
    Selector("state", "one state (loaded, empty, conversation, feedback, error, handoff)"),
)


VIOLATIONS = "a11y.violations"


def scanned(field: Literal["page", "state"]) -> Callable[[Sequence[Sourced[A11yData]]], list[str]]:
    """The pages (or states) the evidence scanned, for a chart by page (or state)."""
    return lambda files: sorted({getattr(s, field) for f in files for s in f.data.scans})


KIND = register(
    Kind(
        name="a11y",
        description="accessibility scans of pages and chat states, and their findings",
        data_model=A11yData,
        records=Records(A11yRecord, build),
        metrics=(
            Metric(VIOLATIONS, "count",
                   "accessibility findings (axe rules, keyboard and screen-reader checks)",
                   violations_of(new_only=False), SELECTORS),
            Metric("a11y.new_violations", "count",
                   "accessibility findings not present in the baseline",
                   violations_of(new_only=True), SELECTORS),
            Metric("a11y.states_scanned", "count",
                   "page states every family of checks scanned", measure_states,
                   (SELECTORS[0], SELECTORS[6], SELECTORS[7])),
        ),
        breakdowns=(
            Breakdown("Accessibility findings by page", VIOLATIONS, "page",
                      scanned("page"), fewer_is_better=True),
            Breakdown("Accessibility findings by chat state", VIOLATIONS, "state",
                      scanned("state"), fewer_is_better=True),
        ),
    )
)  # fmt: skip
