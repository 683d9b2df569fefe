"""Launch the configured target around the test loop, when tests need one and no
``--base-url`` was given. Under pytest-xdist each worker launches its own target."""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import pytest

from releasegate.plugin.options import find_config, releasegate_config_of, usage_errors


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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    config = session.config
    skip = config.option.collectonly or (
        session.testsfailed and not config.option.continue_on_collection_errors
    )
    if skip or config.getoption("base_url", None) or not any(map(_needs_target, session.items)):
        return (yield)
    from releasegate.target import target_session

    rg_config = releasegate_config_of(config)
    with contextlib.ExitStack() as stack:
        with usage_errors():
            target = stack.enter_context(target_session(rg_config.target, announce=False))
        config.option.base_url = target.base_url
        return (yield)


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("base_url", None) or not find_config(config).is_file():
        return None
    return "releasegate: no --base-url, the configured target is launched if tests need it"
