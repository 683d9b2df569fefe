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
    from releasegate.plugin import browser, fixtures, launch

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
    _add_suites(config)
    config.pluginmanager.register(launch, "releasegate-launch")
    config.pluginmanager.register(fixtures, "releasegate-fixtures")
    if config.pluginmanager.has_plugin("playwright"):
        config.pluginmanager.register(browser, "releasegate-browser")
        if config.getoption("allure_report_dir", None):
            from releasegate.plugin import artifacts

            config.pluginmanager.register(artifacts, "releasegate-artifacts")
    if config.getoption("releasegate_progress"):
        from releasegate.plugin import progress

        config.pluginmanager.register(progress.ProgressFeed(config), "releasegate-progress")
    if config.getoption("releasegate_evidence"):
        from releasegate.plugin import recording

        recording.register(config)


def _add_suites(config: pytest.Config) -> None:
    """``pytest -m smoke`` in a project with only a releasegate.toml runs the built-in suites
    (and the project's own ``suites/``): when ``-m`` selects a suite and pytest was given no
    paths and has no ``testpaths``, the suites are added to what it collects. A plain
    ``pytest`` in a project with tests of its own collects only those."""
    from releasegate.plugin.launch import names_a_suite
    from releasegate.plugin.options import find_config, releasegate_config_of

    if config.args_source != pytest.Config.ArgsSource.INVOCATION_DIR or not names_a_suite(config):
        return

    if not find_config(config).is_file():
        return
    with usage_errors():
        paths = releasegate_config_of(config).suite_paths()
    config.args += [str(p) for p in paths if str(p) not in config.args]
