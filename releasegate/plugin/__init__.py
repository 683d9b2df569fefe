"""The releasegate pytest plugin, registered through the ``pytest11`` entry point so that
``pytest -m smoke`` works with no options.

pytest imports this module in every session wherever releasegate is installed, so it imports
nothing heavy: each concern is its own module (``options``, ``launch``, ``recording``,
``fixtures``), registered at configure time, and those import pydantic, HTTP clients and the
config only when a test actually needs them.
"""

from __future__ import annotations

import pytest

from releasegate.layout import SUITES
from releasegate.plugin.options import AUTH, add_options, usage_errors


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from releasegate.plugin import fixtures, launch

    for suite in SUITES:
        config.addinivalue_line("markers", f"{suite}: releasegate {suite} suite")
    # pytest-playwright's own base_url fixture (used without pytest-base-url) trips this
    # pytest 9 deprecation; it is theirs to fix and says nothing about the tests.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )
    config.addinivalue_line(
        "markers",
        "capability(name): the test needs this capability of the target (health, readiness, "
        "version, metrics, page, feedback); without it the test is not applicable",
    )
    base_url = config.getoption("base_url", None)
    if base_url:
        from releasegate.target import normalize_base_url

        with usage_errors():
            config.option.base_url, auth = normalize_base_url(base_url)
        config.stash[AUTH] = auth
    config.pluginmanager.register(launch, "releasegate-launch")
    config.pluginmanager.register(fixtures, "releasegate-fixtures")
    if config.getoption("releasegate_evidence"):
        from releasegate.plugin import recording

        recording.register(config)
