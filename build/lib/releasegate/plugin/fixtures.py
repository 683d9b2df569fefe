"""Fixtures for tests of a target: the config, an HTTP client, a chat conversation, the
disclaimer registry, and ``releasegate_record`` for evidence of other kinds. Heavy modules are
imported inside the fixtures: this module is registered in every pytest session."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

from releasegate.plugin.options import releasegate_config_of, usage_errors

if TYPE_CHECKING:
    import httpx

    from releasegate.chat.client import ChatClient
    from releasegate.chat.disclaimers import DisclaimerRegistry
    from releasegate.config import Config
    from releasegate.model import Strict


@pytest.fixture(scope="session")
def releasegate_config(pytestconfig: pytest.Config) -> Config:
    """The parsed releasegate.toml (or --releasegate-config)."""
    return releasegate_config_of(pytestconfig)


@pytest.fixture(scope="session")
def http(base_url: str | None, releasegate_config: Config) -> Iterator[httpx.Client]:
    """An HTTP client for the target with timeouts; never follows redirects silently."""
    from releasegate.http import target_client

    if not base_url:
        pytest.fail("no target: pass --base-url or configure target.launch in releasegate.toml")
    with target_client(base_url, releasegate_config.target.chat.timeout_s) as client:
        yield client


@pytest.fixture
def chat(http: httpx.Client, releasegate_config: Config) -> ChatClient:
    """A fresh conversation with the target's chat API."""
    from releasegate.chat.client import ChatClient

    return ChatClient(http, releasegate_config.target.chat)


@pytest.fixture(scope="session")
def disclaimers(releasegate_config: Config) -> DisclaimerRegistry:
    """The approved disclaimer texts from the conversation policy."""
    from releasegate.chat.policy import POLICY_FILE, load_policy

    path = releasegate_config.path(releasegate_config.conversations_dir) / POLICY_FILE
    with usage_errors():
        return load_policy(path).disclaimer_registry()


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
