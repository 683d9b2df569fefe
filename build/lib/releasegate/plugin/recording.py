"""Record the session as evidence: every test's outcome (``tests``), the records tests add of
other kinds, and every test the session's options deselected.

Everything a worker knows travels to the controller the way pytest-xdist carries pytest's own
data: suite markers, target and records as ``user_properties`` on test reports (like
``record_property``), deselections in ``workeroutput`` at the end. The controller (or the only
process, without xdist) writes one evidence file per kind into ``--releasegate-evidence DIR``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from releasegate import __version__
from releasegate.evidence import registry
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.tests import (
    CollectionError,
    DeselectedTest,
    Outcome,
    TestResult,
    TestsData,
)
from releasegate.evidence.registry import KindData
from releasegate.layout import SUITES
from releasegate.model import Strict
from releasegate.plugin.options import releasegate_config_of, usage_errors
from releasegate.validation import one_line, unknown_name

SUITE_PROPERTY = "releasegate_suite"
TARGET_PROPERTY = "releasegate_target"
RECORD_PROPERTY = "releasegate_record"
DESELECTED_OUTPUT = "releasegate_deselected"
MESSAGE_LIMIT = 700  # a failure's message in evidence, shortened in the middle


def register(config: pytest.Config) -> None:
    """Tag tests and track deselection in every process; record on the controller only."""
    config.pluginmanager.register(Tagger(), "releasegate-tagger")
    config.pluginmanager.register(DeselectionTracker(config), "releasegate-deselection")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(EvidenceRecorder(config), "releasegate-evidence")


def attach_record(item: pytest.Item, kind_name: str, record: Mapping[str, Any] | Strict) -> None:
    """Validate a record of ``kind_name`` and attach it to the test's report."""
    __tracebackhide__ = True
    kind = registry.kind(kind_name)
    if kind is None or kind.records is None:
        takes = [k.name for k in registry.kinds().values() if k.records is not None]
        raise ValueError(
            "releasegate_record: " + unknown_name("kind that takes records", kind_name, takes)
        )
    raw = record.model_dump(mode="json") if isinstance(record, Strict) else dict(record)
    try:
        checked = kind.records.model.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(
            one_line(f"releasegate_record({kind_name!r})", kind.records.model, exc)
        ) from None
    payload = json.dumps({"kind": kind_name, "record": checked.model_dump(mode="json")})
    item.user_properties.append((RECORD_PROPERTY, payload))


class Tagger:
    """Tags each test with its suite markers and the target it ran against: properties reach
    the report even from an xdist worker, whose items and target the controller cannot see."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        tagged = {key for key, _ in item.user_properties}
        if SUITE_PROPERTY not in tagged:
            suites = dict.fromkeys(m.name for m in item.iter_markers() if m.name in SUITES)
            item.user_properties += [(SUITE_PROPERTY, suite) for suite in suites]
        base_url = item.config.getoption("base_url", None)
        if base_url and TARGET_PROPERTY not in tagged:
            item.user_properties.append((TARGET_PROPERTY, base_url))


def _suites_of(item: pytest.Item) -> list[str]:
    return list(dict.fromkeys(m.name for m in item.iter_markers() if m.name in SUITES))


class DeselectionTracker:
    """Every test deselected by ``-m``, ``-k``, ``--deselect`` or a plugin (``--lf``), with its
    suite markers: the gate must know when a stage ran narrowed."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.deselected: dict[str, DeselectedTest] = {}

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.deselected[item.nodeid] = DeselectedTest(
                nodeid=item.nodeid, markers=_suites_of(item)
            )

    def pytest_sessionfinish(self) -> None:
        output = getattr(self.config, "workeroutput", None)
        if output is not None:
            output[DESELECTED_OUTPUT] = json.dumps(
                [d.model_dump(mode="json") for d in self.deselected.values()]
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist controller: a worker's deselections (every worker collects the same)."""
        for raw in json.loads(getattr(node, "workeroutput", {}).get(DESELECTED_OUTPUT, "[]")):
            test = DeselectedTest.model_validate(raw)
            self.deselected[test.nodeid] = test


def _properties(report: pytest.TestReport, key: str) -> list[str]:
    """The values releasegate attached under ``key`` (it attaches strings only)."""
    return [str(value) for name, value in report.user_properties if name == key]


def _outcome(report: pytest.TestReport) -> Outcome | None:
    """The outcome this phase decides for the test, or None if it decides nothing."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else ("xpassed" if report.passed else None)
    if report.failed:
        return "failed" if report.when == "call" else "error"
    if report.skipped:
        return "skipped"
    return "passed" if report.when == "call" else None


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:  # the first line; pytest's assertion explanation follows it
        text = crash.message.strip().splitlines()[0] if crash.message.strip() else ""
    elif isinstance(report.longrepr, tuple):  # skip: (file, line, reason)
        text = str(report.longrepr[2])
    else:
        text = str(report.longrepr)
    from releasegate.chat.engine import excerpt

    return excerpt(text, MESSAGE_LIMIT)


def _evidence_dir(option: str) -> Path:
    """``--releasegate-evidence`` names a folder; a file name is a mistake worth explaining."""
    folder = Path(option)
    if folder.suffix.lower() == ".json":
        raise pytest.UsageError(
            f"releasegate: --releasegate-evidence: {folder} looks like a file; it takes a folder "
            "now (one evidence file per kind is written into it)"
        )
    if folder.exists() and not folder.is_dir():
        raise pytest.UsageError(f"releasegate: --releasegate-evidence: {folder} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(
            f"releasegate: --releasegate-evidence: cannot create {folder}: {exc.strerror}"
        ) from None
    if not os.access(folder, os.W_OK):
        raise pytest.UsageError(f"releasegate: --releasegate-evidence: {folder} is read-only")
    return folder


class EvidenceRecorder:
    """Collects every test's outcome and records, and writes the evidence at session end."""

    def __init__(self, config: pytest.Config) -> None:
        """Check every input now, so a mistake fails before the tests rather than after."""
        from releasegate.runid import new_run_id

        self.config = config
        rg_config = releasegate_config_of(config)
        with usage_errors("--releasegate-stage"):
            self.stage, _ = rg_config.stage(config.getoption("releasegate_stage"))
        self.run_id: str = config.getoption("releasegate_run_id") or new_run_id()
        self.folder = _evidence_dir(config.getoption("releasegate_evidence"))
        self.results: dict[str, TestResult] = {}
        self.records: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.collection_errors: list[CollectionError] = []
        self.collected = 0
        self.base_url: str | None = None
        self.version: str | None = None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = str(report.longrepr).strip().splitlines()
            self.collection_errors.append(
                CollectionError(nodeid=report.nodeid or ".", message=message[-1] if message else "")
            )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """Under xdist the controller collects nothing itself; each worker reports its ids."""
        self.collected = max(self.collected, len(ids))

    def _note_target(self, report: pytest.TestReport) -> None:
        """The first report names the target; ask it its version while it is still running."""
        from releasegate.targetinfo import fetch_version

        url = next(iter(_properties(report, TARGET_PROPERTY)), None)
        if url:
            self.base_url = url
            self.version = fetch_version(url, releasegate_config_of(self.config).target)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.base_url is None:
            self._note_target(report)
        if report.when == "teardown":  # the last report carries every property of the test
            for value in _properties(report, RECORD_PROPERTY):
                payload = json.loads(value)
                self.records[payload["kind"]].append(payload["record"])
        outcome = _outcome(report)
        previous = self.results.get(report.nodeid)
        if outcome is None:
            if previous is not None:  # accumulate the duration of every phase
                self.results[report.nodeid] = previous.model_copy(
                    update={"duration_s": previous.duration_s + report.duration}
                )
            return
        duration = report.duration + (previous.duration_s if previous else 0.0)
        if previous is not None and previous.outcome in ("failed", "error"):
            return  # a teardown error after a failure keeps the first failure
        self.results[report.nodeid] = TestResult(
            nodeid=report.nodeid,
            outcome=outcome,
            duration_s=round(duration, 6),
            markers=_properties(report, SUITE_PROPERTY),
            message=_message(report) if outcome in ("failed", "error", "skipped") else None,
        )

    def _tests_data(self, exitstatus: int) -> TestsData:
        config = self.config
        tracker = config.pluginmanager.get_plugin("releasegate-deselection")
        deselected = list(tracker.deselected.values()) if tracker else []
        return TestsData.build(
            tests=list(self.results.values()),
            collected=self.collected,
            exit_code=exitstatus,
            collection_errors=self.collection_errors,
            selection=config.getoption("markexpr") or None,
            keyword=config.getoption("keyword") or None,
            deselect_args=[str(arg) for arg in config.getoption("deselect") or []],
            addopts_env=os.environ.get("PYTEST_ADDOPTS") or None,
            deselected=deselected,
        )

    def _record_data(self) -> list[KindData]:
        built = []
        for name, raws in sorted(self.records.items()):
            records = registry.kinds()[name].records
            assert records is not None  # attach_record only accepts kinds that take records
            built.append(records.build([records.model.model_validate(r) for r in raws]))
        return built

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        producer = Producer(
            tool="pytest", version=f"{pytest.__version__}+releasegate-{__version__}"
        )
        target = TargetRef(base_url=self.base_url or "unknown", version=self.version)
        now = datetime.now(UTC)
        token = secrets.token_hex(3)
        for data in [self._tests_data(int(exitstatus)), *self._record_data()]:
            path = self.folder / f"{data.KIND}-{self.run_id}-{token}.json"
            evidence = make_evidence(data, self.run_id, self.stage, target, producer, now)
            try:
                write_evidence(path, evidence)
            except OSError as exc:
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
                reporter = self.config.pluginmanager.get_plugin("terminalreporter")
                if reporter is not None:
                    reporter.write_line(
                        f"releasegate: cannot write evidence {path}: {exc}", red=True
                    )
