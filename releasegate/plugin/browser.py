"""pytest-playwright launches Chromium the releasegate way (``releasegate.browser``): registered
after pytest-playwright, so its ``browser_type_launch_args`` is extended, not replaced, and
``--headed``, ``--slowmo`` and ``--browser-channel`` keep working."""

from __future__ import annotations

from typing import Any

import pytest

from releasegate.errors import UserError
from releasegate.plugin.options import find_config, releasegate_config_of


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_name: str | None, pytestconfig: pytest.Config
) -> dict[str, Any]:
    if browser_name not in (None, "chromium") or "channel" in browser_type_launch_args:
        return browser_type_launch_args
    from releasegate.browser import launch_options

    configured = None
    if find_config(pytestconfig).is_file():
        configured = releasegate_config_of(pytestconfig).browser.executable
    try:
        options = launch_options(configured)
    except UserError as exc:
        pytest.fail(f"releasegate: {exc}", pytrace=False)
    extra = browser_type_launch_args.get("args", [])
    return {**options, **browser_type_launch_args, "args": [*options["args"], *extra]}
