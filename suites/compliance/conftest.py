"""The conversation scripts become test parameters: ``case`` (one per conversation, variant
and repeat) and ``seed`` (one per conversation, for the fuzzer). A script that does not load is
a collection error naming the file, the turn and the key, never a skipped test.

Scripts are loaded only when the session may run compliance tests, so a broken conversation
file does not take the smoke phase down with it."""

from __future__ import annotations

import re

import pytest

from releasegate.chat.scripts import ConversationError, Script, expand, load_scripts
from releasegate.plugin.options import releasegate_config_of

# The ci effort fuzzes this many scripts, spread over the library (sorted by file name, so by
# theme); shrinking a failure costs hundreds of turns, and CI must stay bounded.
CI_SEEDS = 12


def _scripts(config: pytest.Config) -> list[Script]:
    selection = config.getoption("markexpr") or ""
    if selection and not re.search(r"\bcompliance\b", selection):
        return []
    rg_config = releasegate_config_of(config)
    try:
        return load_scripts(rg_config.path(rg_config.conversations_dir))
    except ConversationError as exc:
        raise pytest.Collector.CollectError(f"releasegate: {exc}") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = [case for script in _scripts(metafunc.config) for case in expand(script)]
        metafunc.parametrize("case", cases, ids=[case.id for case in cases])
    if "seed" in metafunc.fixturenames:
        scripts = _scripts(metafunc.config)
        if metafunc.config.getoption("releasegate_fuzz") == "ci":
            scripts = scripts[:: max(1, len(scripts) // CI_SEEDS)][:CI_SEEDS]
        metafunc.parametrize("seed", scripts, ids=[s.conversation.id for s in scripts])
