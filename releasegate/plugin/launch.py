"""Launch the configured target around the test loop, when tests need one and no
``--base-url`` was given. Under pytest-xdist each worker launches its own target.

A session that names a suite (``pytest -m smoke``) almost surely needs the target, so its
process is started while pytest collects, and waited for only once a collected test needs it
(or stopped if none does): the target's start-up and pytest's collection overlap.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from releasegate.errors import UserError
from releasegate.layout import SUITES
from releasegate.plugin.options import AUTH, find_config, releasegate_config_of, usage_errors

if TYPE_CHECKING:
    from releasegate.target import Launch


@dataclass
class EarlyStart:
    """A target process started while pytest collects; ``stack`` stops it."""

    launch: Launch
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)


_early_key = pytest.StashKey[EarlyStart]()


def _needs_target(item: pytest.Item) -> bool:
    """Does this test use ``base_url`` itself? pytest-base-url's autouse ``_verify_url`` pulls
    ``base_url`` into every test's closure, so it does not count. (pytest has no public API for
    a test's fixture closure; ``_fixtureinfo`` is what its own plugins read.)"""
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


def names_a_suite(config: pytest.Config) -> bool:
    """``-m smoke``, ``-m "e2e or a11y"``: a selection of suites, not an exclusion of them."""
    words = set(re.findall(r"\w+", config.getoption("markexpr") or ""))
    return bool(words & set(SUITES)) and "not" not in words


def _runs_tests_here(config: pytest.Config) -> bool:
    """False on an xdist controller: its workers run the tests (and launch their targets)."""
    return hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly or config.getoption("base_url", None):
        return
    if not (names_a_suite(config) and _runs_tests_here(config) and find_config(config).is_file()):
        return
    from releasegate.target import launched

    stack = contextlib.ExitStack()
    try:
        rg_config = releasegate_config_of(config)
        target = rg_config.target
        if not target.base_url:
            launch = stack.enter_context(launched(target, announce=False, cwd=rg_config.root))
            config.stash[_early_key] = EarlyStart(launch, stack)
    except (UserError, pytest.UsageError):
        stack.close()  # the same problem is reported if a test turns out to need the target


def _stop_early(config: pytest.Config) -> None:
    early = config.stash.get(_early_key, None)
    if early is not None:
        early.stack.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    config = session.config
    skip = config.option.collectonly or (
        session.testsfailed and not config.option.continue_on_collection_errors
    )
    # Browser tests of some other page, in a folder with no releasegate.toml, are not ours.
    unconfigured = not names_a_suite(config) and not find_config(config).is_file()
    if skip or unconfigured or config.getoption("base_url", None):
        _stop_early(config)
        return (yield)
    if not any(map(_needs_target, session.items)):
        _stop_early(config)
        return (yield)
    from releasegate.target import target_session

    early = config.stash.get(_early_key, None)
    with contextlib.ExitStack() as stack:
        with usage_errors():
            if early is not None:
                stack.push(early.stack)
                config.option.base_url = early.launch.ready(announce=False).base_url
            else:
                rg_config = releasegate_config_of(config)
                target = stack.enter_context(
                    target_session(rg_config.target, announce=False, cwd=rg_config.root)
                )
                config.option.base_url = target.base_url
                config.stash[AUTH] = target.auth
        return (yield)


def pytest_sessionfinish(session: pytest.Session) -> None:
    _stop_early(session.config)


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("base_url", None) or not find_config(config).is_file():
        return None
    return "releasegate: no --base-url, the configured target is launched if tests need it"
