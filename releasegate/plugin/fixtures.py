"""Fixtures for tests of a target: the config, an HTTP session, a chat conversation, the
disclaimer registry, and ``releasegate_record`` for evidence of other kinds; and the
``capability`` marker that makes a test not applicable to a target without that capability.
Heavy modules are imported inside the fixtures: this module is registered in every session."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from releasegate.errors import UserError
from releasegate.plugin.options import AUTH, find_config, releasegate_config_of, usage_errors

if TYPE_CHECKING:
    from releasegate.chat.compliance import Judge
    from releasegate.chat.engine import Conversation
    from releasegate.chat.policy import DisclaimerEntry
    from releasegate.chat.transport import ChatTarget
    from releasegate.config import Config
    from releasegate.http import TargetSession
    from releasegate.model import Strict


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test of a capability the target lacks is skipped as not applicable, with the reason;
    the gate shows it in the decision."""
    needed = [m.args[0] for m in item.iter_markers("capability") if m.args]
    if not needed:
        return
    from releasegate.evidence.kinds.tests import NOT_APPLICABLE

    target = releasegate_config_of(item.config).target
    missing = [name for name in needed if not target.has(name)]
    if missing:
        where = find_config(item.config).name
        pytest.skip(
            f"{NOT_APPLICABLE}{target.name} has no {missing[0]} (target.capabilities in {where})"
        )


@pytest.fixture(scope="session")
def releasegate_config(pytestconfig: pytest.Config) -> Config:
    """The parsed releasegate.toml (or --releasegate-config)."""
    return releasegate_config_of(pytestconfig)


def _fail(exc: UserError) -> None:
    """A setup problem (a header's variable unset, a contract the bot does not speak) fails the
    test with one line; ``releasegate run`` finds it before the suites and exits 2."""
    pytest.fail(f"releasegate: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def http(
    base_url: str | None, releasegate_config: Config, pytestconfig: pytest.Config
) -> Iterator[TargetSession]:
    """A ``requests.Session`` for the target: paths relative to its base URL, timeouts, headers
    from the config, no silent redirects, one clear line when nothing answers."""
    from releasegate.chat.transport import open_session

    if not base_url:
        pytest.fail("no target: pass --base-url or configure target.launch in releasegate.toml")
    source = find_config(pytestconfig).name
    try:
        session = open_session(
            releasegate_config.target, base_url, pytestconfig.stash.get(AUTH, None), source
        )
    except UserError as exc:
        _fail(exc)
    with session:
        yield session


@pytest.fixture(scope="session")
def chat_target(
    http: TargetSession, releasegate_config: Config, pytestconfig: pytest.Config
) -> ChatTarget:
    """What every conversation with the target shares: its contract, headers and model."""
    from releasegate.chat.transport import chat_target as connect

    try:
        return connect(releasegate_config.target, http, find_config(pytestconfig).name)
    except UserError as exc:
        _fail(exc)
        raise


@pytest.fixture
def chat(chat_target: ChatTarget) -> Conversation:
    """A fresh conversation with the target, held as its contract says."""
    return chat_target.conversation()


@pytest.fixture(scope="session")
def disclaimers(releasegate_config: Config) -> list[DisclaimerEntry]:
    """The approved disclaimer texts from the conversation policy."""
    with usage_errors():
        return releasegate_config.conversation_policy().disclaimers


@pytest.fixture
def releasegate_record(
    request: pytest.FixtureRequest,
) -> Callable[[str, Mapping[str, Any] | Strict], None]:
    """``releasegate_record(kind, record)`` adds a record of another evidence kind (a
    compliance turn, an accessibility violation) to this test's results, in the spirit of
    ``record_property``: it travels with the test report (so it survives pytest-xdist), and
    with ``--releasegate-evidence`` one evidence file per kind is written at the end. The record
    is validated against the kind's record model now, so a mistake fails this test."""
    from releasegate.plugin.recording import attach_record

    def record(kind: str, record: Mapping[str, Any] | Strict) -> None:
        __tracebackhide__ = True  # a bad record is the calling test's mistake: point there
        attach_record(request.node, kind, record)

    return record


@pytest.fixture(scope="session")
def compliance_judge(releasegate_config: Config) -> Judge:
    """Judges a bot turn with every detector of the conversation policy."""
    from releasegate.chat.compliance import judge_with

    with usage_errors():
        return judge_with(releasegate_config.conversation_policy())


@pytest.fixture(scope="session")
def releasegate_regressions(pytestconfig: pytest.Config) -> Path:
    """The folder for shrunk failing conversations (never the source tree's conversations/)."""
    given = pytestconfig.getoption("releasegate_regressions")
    return Path(given) if given else pytestconfig.invocation_params.dir / "reports" / "regressions"
