"""The pytest plugin: launches the target when no --base-url is given, provides fixtures for
talking to it, and (when asked) writes the session's results as ``tests`` evidence.

Registered through the ``pytest11`` entry point, so ``pytest -m smoke`` works with no options.
The target is launched only when a collected test needs ``base_url``: running the harness's own
tests starts nothing. Under pytest-xdist each worker launches its own target.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from releasegate import __version__
from releasegate.chat.client import ChatClient
from releasegate.chat.disclaimers import DisclaimerRegistry
from releasegate.chat.policy import POLICY_FILE, load_policy
from releasegate.config import DEFAULT_CONFIG, SUITES, Config, load_config
from releasegate.errors import UserError
from releasegate.evidence.io import write_evidence
from releasegate.evidence.schema import (
    CollectionError,
    Producer,
    TargetRef,
    TestResult,
    TestsData,
    make_evidence,
)
from releasegate.http import target_client
from releasegate.runid import new_run_id
from releasegate.target import normalize_base_url, target_session
from releasegate.targetinfo import fetch_version

_config_key = pytest.StashKey[Config]()
MARKER_PROPERTY = "releasegate_suite"
TARGET_PROPERTY = "releasegate_target"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("releasegate", "releasegate (release gate for chatbots)")
    group.addoption(
        "--releasegate-config",
        metavar="FILE",
        help=f"config with the target and policy (default: the nearest {DEFAULT_CONFIG})",
    )
    group.addoption(
        "--releasegate-evidence",
        metavar="PATH",
        help="write this session's results as tests evidence: a .json file, or a folder",
    )
    group.addoption("--releasegate-run-id", metavar="ID", help="run id recorded in evidence")
    group.addoption(
        "--releasegate-stage", metavar="NAME", help="stage recorded in evidence (default: config)"
    )


def _find_config(config: pytest.Config) -> Path:
    """``--releasegate-config``, else the nearest releasegate.toml from where pytest was run
    upwards (like pytest's own ini files), else the rootdir's."""
    given = config.getoption("releasegate_config")
    if given:
        return Path(given)
    start = config.invocation_params.dir
    for folder in (start, *start.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG
    return config.rootpath / DEFAULT_CONFIG


def releasegate_config_of(config: pytest.Config) -> Config:
    """The releasegate config for this pytest session, loaded once; errors are usage errors."""
    if _config_key not in config.stash:
        path = _find_config(config)
        if not path.exists():
            raise pytest.UsageError(
                f"releasegate: {path}: no such config file (pass --releasegate-config FILE)"
            )
        try:
            config.stash[_config_key] = load_config(path)
        except UserError as exc:
            raise pytest.UsageError(f"releasegate: {exc}") from None
    return config.stash[_config_key]


def _needs_target(item: pytest.Item) -> bool:
    """Does this test use ``base_url`` itself? pytest-base-url's autouse ``_verify_url`` pulls
    ``base_url`` into every test's closure, so it does not count."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None or "base_url" not in info.names_closure:
        return False
    if "base_url" in info.argnames:
        return True
    return any(
        "base_url" in defs[-1].argnames
        for name, defs in info.name2fixturedefs.items()
        if name in info.names_closure and name != "_verify_url" and defs
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """Launch the configured target around the test loop when tests need one and none is given."""
    config = session.config
    skip = config.option.collectonly or (
        session.testsfailed and not config.option.continue_on_collection_errors
    )
    if skip or config.getoption("base_url", None) or not any(map(_needs_target, session.items)):
        return (yield)
    rg_config = releasegate_config_of(config)
    with contextlib.ExitStack() as stack:
        try:
            target = stack.enter_context(target_session(rg_config.target, announce=False))
        except UserError as exc:
            raise pytest.UsageError(f"releasegate: {exc}") from None
        config.option.base_url = target.base_url
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    """Tag each test with its suite markers and target; user_properties reach the report even
    from an xdist worker, whose target the controller cannot see otherwise."""
    tagged = {key for key, _ in item.user_properties}
    if MARKER_PROPERTY not in tagged:
        suites = dict.fromkeys(m.name for m in item.iter_markers() if m.name in SUITES)
        item.user_properties += [(MARKER_PROPERTY, suite) for suite in suites]
    base_url = item.config.getoption("base_url", None)
    if base_url and TARGET_PROPERTY not in tagged:
        item.user_properties.append((TARGET_PROPERTY, base_url))


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("base_url", None):
        return None
    return "releasegate: no --base-url, the configured target is launched if tests need it"


def pytest_configure(config: pytest.Config) -> None:
    for suite in SUITES:
        config.addinivalue_line("markers", f"{suite}: releasegate {suite} suite")
    # pytest-playwright's own base_url fixture (used without pytest-base-url) trips this
    # pytest 9 deprecation; it is theirs to fix and says nothing about the tests.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )
    base_url = config.getoption("base_url", None)
    if base_url:
        try:
            config.option.base_url = normalize_base_url(base_url)
        except UserError as exc:
            raise pytest.UsageError(f"releasegate: {exc}") from None
    if config.getoption("releasegate_evidence") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(EvidenceRecorder(config), "releasegate-evidence")


class EvidenceRecorder:
    """Collects every test's outcome and writes one ``tests`` evidence file at session end."""

    def __init__(self, config: pytest.Config) -> None:
        """Check every input now, so a mistake fails before the tests rather than after."""
        self.config = config
        rg_config = releasegate_config_of(config)
        try:
            self.stage, _ = rg_config.stage(config.getoption("releasegate_stage"))
        except UserError as exc:
            raise pytest.UsageError(f"releasegate: --releasegate-stage: {exc}") from None
        self.run_id: str = config.getoption("releasegate_run_id") or new_run_id()
        self.path = _evidence_path(Path(config.getoption("releasegate_evidence")), self.run_id)
        self.results: dict[str, TestResult] = {}
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
        url = next((v for k, v in report.user_properties if k == TARGET_PROPERTY), None)
        if url:
            self.base_url = url
            self.version = fetch_version(url, releasegate_config_of(self.config).target)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.base_url is None:
            self._note_target(report)
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
            markers=[v for k, v in report.user_properties if k == MARKER_PROPERTY],
            message=_message(report) if outcome in ("failed", "error", "skipped") else None,
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        data = TestsData.build(
            tests=list(self.results.values()),
            markers=SUITES,
            collected=self.collected,
            collection_errors=self.collection_errors,
            selection=config.getoption("markexpr") or None,
            exit_code=int(exitstatus),
        )
        evidence = make_evidence(
            kind="tests",
            run_id=self.run_id,
            stage=self.stage,
            target=TargetRef(base_url=self.base_url or "unknown", version=self.version),
            producer=Producer(
                tool="pytest", version=pytest.__version__ + f"+releasegate-{__version__}"
            ),
            data=data,
            produced_at=datetime.now(UTC),
        )
        try:
            write_evidence(self.path, evidence)
        except OSError as exc:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(
                    f"releasegate: cannot write evidence {self.path}: {exc}", red=True
                )


def _evidence_path(option: Path, run_id: str) -> Path:
    """A ``.json`` path is the file; anything else is a folder for a uniquely named file."""
    path = option / f"tests-{run_id}-{secrets.token_hex(3)}.json"
    if option.suffix.lower() == ".json":
        path = option
    if path.exists() and not path.is_file():
        raise pytest.UsageError(f"releasegate: --releasegate-evidence: {path} is not a file")
    if option.exists() and not option.is_dir() and option != path:
        raise pytest.UsageError(
            f"releasegate: --releasegate-evidence: {option} is neither a folder nor a .json file"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(
            f"releasegate: --releasegate-evidence: cannot create {path.parent}: {exc.strerror}"
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise pytest.UsageError(f"releasegate: --releasegate-evidence: {path.parent} is read-only")
    return path


def _outcome(report: pytest.TestReport) -> str | None:
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
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


@pytest.fixture(scope="session")
def releasegate_config(pytestconfig: pytest.Config) -> Config:
    """The parsed releasegate.toml (or --releasegate-config)."""
    return releasegate_config_of(pytestconfig)


@pytest.fixture(scope="session")
def http(base_url: str | None, releasegate_config: Config) -> Iterator[httpx.Client]:
    """An HTTP client for the target with timeouts; never follows redirects silently."""
    if not base_url:
        pytest.fail("no target: pass --base-url or configure target.launch in releasegate.toml")
    with target_client(base_url, releasegate_config.target.chat.timeout_s) as client:
        yield client


@pytest.fixture
def chat(http: httpx.Client, releasegate_config: Config) -> ChatClient:
    """A fresh conversation with the target's chat API."""
    return ChatClient(http, releasegate_config.target.chat)


@pytest.fixture(scope="session")
def disclaimers(releasegate_config: Config) -> DisclaimerRegistry:
    """The approved disclaimer texts from the conversation policy."""
    path = releasegate_config.path(releasegate_config.conversations_dir) / POLICY_FILE
    try:
        return load_policy(path).disclaimer_registry()
    except UserError as exc:
        raise pytest.UsageError(f"releasegate: {exc}") from None
