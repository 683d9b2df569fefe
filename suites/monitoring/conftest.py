"""The dashboard and rule files of ``[monitoring]`` become test parameters, one test each; a
target that lists none gets one not-applicable test instead of silently nothing."""

from __future__ import annotations

import re

import pytest

from releasegate.plugin.options import releasegate_config_of


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "monitoring_file" not in metafunc.fixturenames:
        return
    selection = metafunc.config.getoption("markexpr") or ""
    files: list[tuple[str, str] | None] = []
    if not selection or re.search(r"\bmonitoring\b", selection):
        monitoring = releasegate_config_of(metafunc.config).monitoring
        files += [("dashboard", f) for f in monitoring.dashboards]
        files += [("rules", f) for f in monitoring.rules]
    params = files or [None]
    ids = [f"{kind}:{name}" for kind, name in files] or ["none-configured"]
    metafunc.parametrize("monitoring_file", params, ids=ids)
