"""Compute each policy metric from evidence, or say precisely why it cannot be computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from releasegate.config import Check
from releasegate.evidence.io import EvidenceFile
from releasegate.evidence.schema import TestResult, TestsData

PYTEST_EXIT_MEANING = {2: "interrupted", 3: "internal error", 4: "usage error"}
FINISHED_EXIT_CODES = {0, 1, 5}  # 5: nothing collected, judged by the counts below
# When parallel jobs report the same test, the worst outcome stands and it counts once.
SEVERITY = {"skipped": 0, "xfailed": 1, "passed": 2, "xpassed": 3, "failed": 4, "error": 5}
MAX_DETAILS = 5


@dataclass(frozen=True)
class Measurement:
    value: float
    samples: int
    summary: str
    successes: int | None = None
    details: list[str] = field(default_factory=list)
    omitted: int = 0


@dataclass(frozen=True)
class NoData:
    reason: str


def _tests_data(files: list[EvidenceFile]) -> list[tuple[EvidenceFile, TestsData]]:
    return [(f, f.data) for f in files if isinstance(f.data, TestsData)]


def _incomplete(files: list[tuple[EvidenceFile, TestsData]]) -> NoData | None:
    """A pytest session that crashed, was interrupted or stopped early proves nothing, whatever
    it counted."""
    for f, data in files:
        where = f.path.parent.name + "/" + f.path.name
        if data.exit_code not in FINISHED_EXIT_CODES:
            meaning = PYTEST_EXIT_MEANING.get(data.exit_code, "abnormal exit")
            reason = f"{where}: pytest ended with exit code {data.exit_code} ({meaning})"
            if data.collection_errors:
                first = data.collection_errors[0]
                more = len(data.collection_errors) - 1
                reason += f"; collection error in {first.nodeid}: {first.message}"
                reason += f" (and {more} more)" if more else ""
            return NoData(reason)
        if len(data.tests) < data.collected:
            return NoData(
                f"{where}: only {len(data.tests)} of {data.collected} collected tests reported "
                "(stopped early, e.g. by -x or --maxfail)"
            )
    return None


def _merged(files: list[tuple[EvidenceFile, TestsData]]) -> list[TestResult]:
    merged: dict[str, TestResult] = {}
    for _, data in files:
        for test in data.tests:
            known = merged.get(test.nodeid)
            if known is None or SEVERITY[test.outcome] > SEVERITY[known.outcome]:
                merged[test.nodeid] = test
    return list(merged.values())


def _failure_line(test: TestResult) -> str:
    return f"{test.nodeid} [{test.outcome}]" + (f": {test.message}" if test.message else "")


def _executed(tests: list[TestResult]) -> list[TestResult]:
    return [t for t in tests if t.outcome in ("passed", "xpassed", "failed", "error")]


def measure_tests(
    check: Check, files: list[EvidenceFile], suites: list[str]
) -> Measurement | NoData:
    """Pass rate or count over the tests of ``suites``; every one of them must have run."""
    datas = _tests_data(files)
    incomplete = _incomplete(datas)
    if incomplete:
        return incomplete
    tests = [t for t in _merged(datas) if set(t.markers) & set(suites)]
    scope = f"{suites[0]} tests" if len(suites) == 1 else "tests"
    silent = [s for s in suites if not _executed([t for t in tests if s in t.markers])]
    if silent:
        collected = sum(d.collected for _, d in datas)
        return NoData(
            f"0 {' or '.join(silent)} tests executed ({len(datas)} tests evidence file(s), "
            f"{collected} collected): zero tests is never a pass"
        )
    executed = _executed(tests)
    passed = sum(t.outcome in ("passed", "xpassed") for t in executed)
    failing = [t for t in executed if t.outcome in ("failed", "error")]
    details = [_failure_line(t) for t in failing[:MAX_DETAILS]]
    omitted = max(0, len(failing) - MAX_DETAILS)
    count = len(executed)
    if check.metric == "tests.executed":
        summary = f"{count} {scope} executed"
        return Measurement(count, count, summary, details=details, omitted=omitted)
    summary = f"{passed} of {count} {scope} passed"
    if failing:
        summary += f", {len(failing)} failed"
    return Measurement(
        passed / count, count, summary, successes=passed, details=details, omitted=omitted
    )


Measure = Callable[[Check, list[EvidenceFile], list[str]], Measurement | NoData]
MEASURES: dict[str, Measure] = {
    "tests.pass_rate": measure_tests,
    "tests.executed": measure_tests,
}
