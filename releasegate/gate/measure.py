"""Compute each policy metric from evidence, or say precisely why it cannot be computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from releasegate.config import Check
from releasegate.evidence.io import EvidenceFile
from releasegate.evidence.schema import TestResult, TestsData

PYTEST_EXIT_MEANING = {2: "interrupted", 3: "internal error", 4: "usage error"}
FINISHED_EXIT_CODES = {None, 0, 1, 5}  # 5: nothing collected, judged by the counts below
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


def _where(path_count: int) -> str:
    return f"{path_count} tests evidence file" + ("s" if path_count != 1 else "")


def _unfinished(files: list[EvidenceFile]) -> NoData | None:
    """A pytest session that crashed or was interrupted proves nothing, whatever it counted."""
    for f in files:
        data = f.data
        assert isinstance(data, TestsData)
        if data.exit_code in FINISHED_EXIT_CODES:
            continue
        meaning = PYTEST_EXIT_MEANING.get(data.exit_code or 0, "abnormal exit")
        reason = f"{f.path.name}: pytest ended with exit code {data.exit_code} ({meaning})"
        if data.collection_errors:
            first = data.collection_errors[0]
            more = len(data.collection_errors) - 1
            reason += f"; collection error in {first.nodeid}: {first.message}"
            reason += f" (and {more} more)" if more else ""
        return NoData(reason)
    return None


def _failure_line(test: TestResult) -> str:
    return f"{test.nodeid} [{test.outcome}]" + (f": {test.message}" if test.message else "")


def measure_tests(check: Check, files: list[EvidenceFile]) -> Measurement | NoData:
    unfinished = _unfinished(files)
    if unfinished:
        return unfinished
    datas = [f.data for f in files if isinstance(f.data, TestsData)]
    tests = [t for d in datas for t in d.tests if check.suite is None or check.suite in t.markers]
    scope = f"{check.suite} tests" if check.suite else "tests"
    passed = sum(t.outcome in ("passed", "xpassed") for t in tests)
    failing = [t for t in tests if t.outcome in ("failed", "error")]
    executed = passed + len(failing)
    if executed == 0:
        collected = sum(d.collected for d in datas)
        skipped = len(tests)
        return NoData(
            f"0 {scope} executed ({_where(len(datas))}, {collected} collected, "
            f"{skipped} skipped or deselected): zero tests is never a pass"
        )
    details = [_failure_line(t) for t in failing[:MAX_DETAILS]]
    omitted = max(0, len(failing) - MAX_DETAILS)
    if check.metric == "tests.executed":
        summary = f"{executed} {scope} executed"
        return Measurement(executed, executed, summary, details=details, omitted=omitted)
    summary = f"{passed} of {executed} {scope} passed"
    if failing:
        summary += f", {len(failing)} failed"
    return Measurement(
        passed / executed, executed, summary, successes=passed, details=details, omitted=omitted
    )


MEASURES: dict[str, Callable[[Check, list[EvidenceFile]], Measurement | NoData]] = {
    "tests.pass_rate": measure_tests,
    "tests.executed": measure_tests,
}
