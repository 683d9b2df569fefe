"""``kind: tests``: one pytest session's outcomes, and the metrics a policy reads from them."""

from __future__ import annotations

import itertools
import re
import weakref
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pytest
from pydantic import NonNegativeFloat, NonNegativeInt, PrivateAttr, model_validator

from releasegate.evidence.registry import (
    Breakdown,
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Scope,
    Selector,
    Sourced,
    register,
)
from releasegate.layout import SUITES
from releasegate.model import Strict
from releasegate.validation import repeated

Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
# pytest's exit codes, named from pytest itself: 6 is "max warnings error", not a mystery.
EXIT_MEANINGS = {code.value: code.name.lower().replace("_", " ") for code in pytest.ExitCode}
FINISHED = {pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED}
# When parallel jobs report the same test, the worst outcome stands and it counts once.
SEVERITY = {"skipped": 0, "xfailed": 1, "passed": 2, "xpassed": 3, "failed": 4, "error": 5}
MAX_DETAILS = 5
# The skip reason of a test whose capability the target lacks (the plugin writes it).
NOT_APPLICABLE = "not applicable: "


class TestResult(Strict):
    __test__ = False  # not a pytest test class
    nodeid: str
    outcome: Outcome
    duration_s: NonNegativeFloat
    markers: list[str] = []
    message: str | None = None


class CollectionError(Strict):
    nodeid: str
    message: str


class DeselectedTest(Strict):
    """A collected test that the session's options took out before it ran."""

    nodeid: str
    markers: list[str] = []


def count_outcomes(tests: Sequence[TestResult]) -> dict[str, int]:
    counts = Counter(t.outcome for t in tests)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


class TestsData(KindData):
    """One pytest session.

    The counts are redundant with ``tests`` on purpose: a reader recomputes them, so a file that
    was cut short or edited by hand is caught instead of trusted. ``deselected`` lists the tests
    that ``-m``, ``-k``, ``--deselect`` or a plugin took out, so a narrowed run cannot pass for
    a whole one.
    """

    KIND = "tests"
    __test__ = False  # not a pytest test class

    selection: str | None = None  # the -m expression
    keyword: str | None = None  # the -k expression
    deselect_args: list[str] = []  # --deselect values
    addopts_env: str | None = None  # PYTEST_ADDOPTS, where options hide from the command line
    deselected: list[DeselectedTest] = []
    exit_code: int
    collected: NonNegativeInt
    counts: dict[str, NonNegativeInt]
    by_marker: dict[str, dict[str, NonNegativeInt]]
    collection_errors: list[CollectionError] = []
    tests: list[TestResult]
    _index: _Index | None = PrivateAttr(None)  # see _index()

    @model_validator(mode="after")
    def _consistent(self) -> TestsData:
        if self.counts != count_outcomes(self.tests):
            raise ValueError("counts do not match the listed tests (file truncated or edited?)")
        pairs = Counter((m, t.outcome) for t in self.tests for m in t.markers)
        for marker, counts in self.by_marker.items():
            if counts != {outcome: pairs.get((marker, outcome), 0) for outcome in OUTCOMES}:
                raise ValueError(f"by_marker.{marker} does not match the listed tests")
        if twice := repeated([t.nodeid for t in self.tests]):
            raise ValueError(f"test {twice[0]!r} is listed more than once")
        failing = self.counts["failed"] + self.counts["error"]
        if self.exit_code == pytest.ExitCode.OK and failing:
            raise ValueError(f"exit_code 0 (all passed) but {failing} tests failed")
        if self.exit_code == pytest.ExitCode.TESTS_FAILED and not (
            failing or self.collection_errors  # pytest-xdist's exit code for those
        ):
            raise ValueError("exit_code 1 (tests failed) but no failing test is listed")
        return self

    @classmethod
    def build(
        cls,
        tests: list[TestResult],
        collected: int,
        exit_code: int,
        collection_errors: list[CollectionError] | None = None,
        selection: str | None = None,
        **options: object,
    ) -> TestsData:
        """Derive the counts from the tests; ``options`` are the selection fields."""
        return cls.model_validate(
            {
                "selection": selection,
                "exit_code": exit_code,
                "collected": collected,
                "counts": count_outcomes(tests),
                "by_marker": {
                    m: count_outcomes([t for t in tests if m in t.markers]) for m in SUITES
                },
                "collection_errors": collection_errors or [],
                "tests": tests,
                **options,
            }
        )

    def selected_suites(self) -> set[str]:
        """The suites this session's ``-m`` asked for (every suite without ``-m``): tests of
        other suites that it deselected were simply not its business (the runner's smoke
        phase leaves the compliance suite to the next phase)."""
        if not self.selection:
            return set(SUITES)
        words = re.findall(r"\w+", self.selection)
        negated = {b for a, b in itertools.pairwise(words) if a == "not"}
        return {w for w in words if w in SUITES} - negated

    def narrowed_by(self) -> str:
        """The options this session was narrowed with, in their own words."""
        how = [f"-m {self.selection!r}"] if self.selection else []
        how += [f"-k {self.keyword!r}"] if self.keyword else []
        how += [f"--deselect {arg}" for arg in self.deselect_args]
        shown = " ".join(how) if how else "none on the command line: a plugin, e.g. --lf"
        if self.addopts_env:
            shown += f"; PYTEST_ADDOPTS={self.addopts_env!r}"
        return shown


def _incomplete(files: Sequence[Sourced[TestsData]]) -> NoData | None:
    """A pytest session that crashed, was interrupted or stopped early proves nothing, whatever
    it counted."""
    for f in files:
        data = f.data
        if data.exit_code not in FINISHED or data.collection_errors:
            meaning = EXIT_MEANINGS.get(data.exit_code, "not a pytest exit code")
            reason = f"{f.source}: pytest ended with exit code {data.exit_code} ({meaning})"
            if data.collection_errors:
                first = data.collection_errors[0]
                more = len(data.collection_errors) - 1
                reason += f"; collection error in {first.nodeid}: {first.message}"
                reason += f" (and {more} more)" if more else ""
            return NoData(reason)
        if len(data.tests) < data.collected:
            return NoData(
                f"{f.source}: only {len(data.tests)} of {data.collected} collected tests "
                "reported (stopped early, e.g. by -x or --maxfail)"
            )
    return None


@dataclass(frozen=True)
class _Index:
    """What every check on the same evidence needs, built in one pass over its tests: a run of
    100,000 results is judged by a dozen checks."""

    datas: tuple[weakref.ref[TestsData], ...]  # the files it indexes (weak: no cycle)
    ran: frozenset[str]  # node ids of every test reported
    by_marker: dict[str, list[TestResult]]  # merged tests, in order, per marker
    of_suites: dict[tuple[str, ...], list[TestResult]] = field(default_factory=dict)


def _index(files: Sequence[Sourced[TestsData]]) -> _Index:
    """Kept on the first file's data, so it goes when the evidence goes (freeing 100,000 tests
    at interpreter exit instead costs a second)."""
    datas = [f.data for f in files]
    found = datas[0]._index
    if (
        found is not None
        and len(found.datas) == len(datas)
        and all(r() is d for r, d in zip(found.datas, datas, strict=True))
    ):
        return found
    by_marker: dict[str, list[TestResult]] = defaultdict(list)
    for test in _merged(files):
        for marker in test.markers:
            by_marker[marker].append(test)
    index = _Index(
        tuple(map(weakref.ref, datas)),
        frozenset(t.nodeid for d in datas for t in d.tests),
        dict(by_marker),
    )
    datas[0]._index = index
    return index


def _of_suites(files: Sequence[Sourced[TestsData]], suites: tuple[str, ...]) -> list[TestResult]:
    """The merged tests with a marker of one of the suites, in report order, each once."""
    index = _index(files)
    if len(suites) == 1:
        return index.by_marker.get(suites[0], [])
    if suites not in index.of_suites:
        wanted = set(suites)
        index.of_suites[suites] = [t for t in _merged(files) if not wanted.isdisjoint(t.markers)]
    return index.of_suites[suites]


def _merged(files: Sequence[Sourced[TestsData]]) -> list[TestResult]:
    if len(files) == 1:
        return files[0].data.tests  # node ids within one file are unique (validated)
    merged: dict[str, TestResult] = {}
    for f in files:
        for test in f.data.tests:
            known = merged.get(test.nodeid)
            if known is None or SEVERITY[test.outcome] > SEVERITY[known.outcome]:
                merged[test.nodeid] = test
    return list(merged.values())


def _deselected(files: Sequence[Sourced[TestsData]], suites: tuple[str, ...]) -> NoData | None:
    """Tests of the check's suites that a session deselected and no session ran: the stage
    was narrowed by something other than its own suite selection."""
    ran = _index(files).ran
    for f in files:
        asked = f.data.selected_suites() & set(suites)
        missing = [d for d in f.data.deselected if set(d.markers) & asked and d.nodeid not in ran]
        if missing:
            names = ", ".join(d.nodeid for d in missing[:MAX_DETAILS])
            more = f" and {len(missing) - MAX_DETAILS} more" if len(missing) > MAX_DETAILS else ""
            return NoData(
                f"{len(missing)} {'/'.join(suites)} test(s) deselected, so the stage did not run "
                f"whole: {names}{more} (session options: {f.data.narrowed_by()}; {f.source})"
            )
    return None


def _failure_line(test: TestResult) -> str:
    return f"{test.nodeid} [{test.outcome}]" + (f": {test.message}" if test.message else "")


EXECUTED = frozenset({"passed", "xpassed", "failed", "error"})


def _executed(tests: list[TestResult]) -> list[TestResult]:
    return [t for t in tests if t.outcome in EXECUTED]


def _suite_tests(scope: Scope, files: Sequence[Sourced[TestsData]]) -> list[TestResult] | NoData:
    """The executed tests of the check's suites; every suite must have run, whole."""
    suites = scope.suites
    problem = _incomplete(files) or _deselected(files, suites)
    if problem:
        return problem
    executed = _executed(_of_suites(files, suites))
    by_marker = _index(files).by_marker
    silent = [s for s in suites if not any(t.outcome in EXECUTED for t in by_marker.get(s, []))]
    if silent:
        collected = sum(f.data.collected for f in files)
        return NoData(
            f"0 {' or '.join(silent)} tests executed ({len(files)} tests evidence file(s), "
            f"{collected} collected): zero tests is never a pass"
        )
    return executed


def _scope_name(scope: Scope, files: Sequence[Sourced[TestsData]]) -> str:
    """``smoke tests``, with the tests that did not apply to this target named."""
    name = f"{scope.suites[0]} tests" if len(scope.suites) == 1 else "tests"
    na = sorted(
        (
            t
            for t in _of_suites(files, scope.suites)
            if t.outcome == "skipped" and NOT_APPLICABLE in (t.message or "")
        ),
        key=lambda t: t.nodeid,  # the same reason whatever order parallel workers finished in
    )
    if not na:
        return name
    shown = ", ".join(t.nodeid.rsplit("::", 1)[-1] for t in na[:MAX_DETAILS])
    return f"{name} ({len(na)} not applicable to this target: {shown})"


def _failing(executed: list[TestResult]) -> tuple[list[TestResult], list[str], int]:
    failing = [t for t in executed if t.outcome in ("failed", "error")]
    details = [_failure_line(t) for t in failing[:MAX_DETAILS]]
    return failing, details, max(0, len(failing) - MAX_DETAILS)


def measure_pass_rate(scope: Scope, files: Sequence[Sourced[TestsData]]) -> Measurement | NoData:
    """(passed + xpassed) over executed tests of the check's suites."""
    executed = _suite_tests(scope, files)
    if isinstance(executed, NoData):
        return executed
    failing, details, omitted = _failing(executed)
    passed = len(executed) - len(failing)
    summary = f"{passed} of {len(executed)} {_scope_name(scope, files)} passed"
    if failing:
        summary += f", {len(failing)} failed"
    return Measurement(
        passed / len(executed),
        len(executed),
        summary,
        successes=passed,
        details=details,
        omitted=omitted,
    )


def measure_executed(scope: Scope, files: Sequence[Sourced[TestsData]]) -> Measurement | NoData:
    """How many tests of the check's suites ran (passed, failed or errored)."""
    executed = _suite_tests(scope, files)
    if isinstance(executed, NoData):
        return executed
    _, details, omitted = _failing(executed)
    count = len(executed)
    summary = f"{count} {_scope_name(scope, files)} executed"
    return Measurement(count, count, summary, details=details, omitted=omitted)


SUITE = Selector("suite", "only the tests with this suite marker", values=SUITES)
PASS_RATE = "tests.pass_rate"

KIND = register(
    Kind(
        name="tests",
        description="outcomes of a pytest session (or an imported JUnit XML)",
        data_model=TestsData,
        metrics=(
            Metric(
                PASS_RATE,
                "ratio",
                "(passed + xpassed) / executed, over the check's suites",
                measure_pass_rate,
                (SUITE,),
            ),
            Metric(
                "tests.executed",
                "count",
                "tests executed (passed, xpassed, failed or error), over the check's suites",
                measure_executed,
                (SUITE,),
            ),
        ),
        breakdowns=(Breakdown("Pass rate by suite", PASS_RATE, "suite", lambda _: list(SUITES)),),
    )
)
