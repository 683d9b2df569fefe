"""The page states to audit become the ``a11y_target`` parameter (the ``[a11y] pages`` of any
site, then the chat page's states); each state is audited once per session, in a fresh page of
pytest-playwright's browser, and its three tests (axe, keyboard, screen reader) judge their
part of that audit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from releasegate.a11y.states import Target, targets
from releasegate.plugin.options import releasegate_config_of, usage_errors


def _targets(config: pytest.Config) -> list[Target]:
    selection = config.getoption("markexpr") or ""
    if selection and not re.search(r"\ba11y\b", selection):
        return []
    rg_config = releasegate_config_of(config)
    target = rg_config.target
    chat_page = target.page_path if target.has("page") else None
    return targets(rg_config.a11y, chat_page)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "a11y_target" in metafunc.fixturenames:
        found = _targets(metafunc.config)
        metafunc.parametrize("a11y_target", found, ids=[t.id for t in found])


@pytest.fixture(scope="session")
def a11y_run_folder(pytestconfig: pytest.Config) -> Path:
    """Where screenshots go: the run folder of ``releasegate run`` (beside its evidence),
    else ``reports/`` where pytest was started."""
    evidence = pytestconfig.getoption("releasegate_evidence")
    if evidence:
        folder = Path(evidence).absolute()
        return folder.parent.parent if folder.parent.name == "evidence" else folder
    return pytestconfig.invocation_params.dir / "reports"


@pytest.fixture(scope="session")
def a11y_baseline(pytestconfig: pytest.Config) -> set[str]:
    """Identities of the findings in the configured baseline (none without one)."""
    from releasegate.a11y.baseline import load_baseline

    rg_config = releasegate_config_of(pytestconfig)
    if not rg_config.a11y.baseline:
        return set()
    with usage_errors():
        return load_baseline(rg_config.path(rg_config.a11y.baseline))


@pytest.fixture(scope="session")
def a11y_audit(
    browser, base_url: str | None, pytestconfig: pytest.Config, a11y_run_folder: Path
) -> Iterator[Callable[[Target], object]]:
    """``a11y_audit(target)``: the audit of that page state, made once per session, every
    state in the same browser tab, one after another."""
    from releasegate.a11y.audit import audit, new_tab

    if not base_url:
        pytest.fail("no target: pass --base-url or configure target.launch in releasegate.toml")
    rg_config = releasegate_config_of(pytestconfig)
    settings = rg_config.a11y
    shots = a11y_run_folder / "a11y" if settings.screenshots else None
    done: dict[str, object] = {}
    looks: dict[str, dict[str, bool | None]] = {}  # per page: its states share a stylesheet
    tab = new_tab(browser)

    def get(target: Target) -> object:
        if target.id not in done:
            done[target.id] = audit(
                browser, base_url, target, settings, rg_config.target.chat.path, shots,
                looks.setdefault(target.page, {}), tab, rg_config.target.page,
            )  # fmt: skip
        return done[target.id]

    yield get
    tab.context.close()
