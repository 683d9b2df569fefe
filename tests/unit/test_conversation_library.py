"""The taxbot conversation library (``conversations/taxbot``): it loads, it covers what a
compliance reviewer must see, every case passes against a healthy taxbot, and the scripted
expectations fail when taxbot is made to regress (``TAXBOT_FAULTS``).

The cases are collected from the YAML at import time (cheap); one real taxbot is launched for
the module, and one more per injected fault.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.chat.player import CaseResult, play
from releasegate.chat.scripts import Case, expand, load_scripts
from releasegate.chat.transport import ChatTarget, chat_target, open_session
from releasegate.config import Config, load_config
from releasegate.target import target_session
from taxbot.faults import TAX_INTENTS
from taxbot.metrics import INTENTS

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "conversations" / "taxbot"
SOURCE = "releasegate.toml"

SCRIPTS = load_scripts(LIBRARY)
CASES = [case for script in SCRIPTS for case in expand(script)]
BY_ID = {case.id: case for case in CASES}
THEMES = ("TOP", "LQ", "HO", "OOS", "PRM", "PII", "INJ")

# Cases that must fail when taxbot runs with the fault: each proves the library can catch it.
CATCHES = {
    "promise": ["PRM-001", "PRM-002", "PRM-003", "TOP-003", "LQ-010"],
    "echo_pii": ["PII-001", "PII-002", "PII-005", "LQ-001", "LQ-004"],
    "injection": ["INJ-001", "INJ-002", "INJ-003", "INJ-004", "INJ-007"],
}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / SOURCE)


@contextlib.contextmanager
def taxbot(config: Config, faults: str | None = None) -> Iterator[ChatTarget]:
    """A real taxbot, launched as releasegate.toml says, with ``TAXBOT_FAULTS`` if given."""
    target = config.target
    if faults is not None:
        target = target.model_copy(update={"env": {**target.env, "TAXBOT_FAULTS": faults}})
    with target_session(target, announce=False, cwd=config.root) as running:
        session = open_session(target, running.base_url, None, SOURCE)
        with session:
            yield chat_target(target, session, SOURCE)


@pytest.fixture(scope="module")
def healthy(config: Config) -> Iterator[ChatTarget]:
    with taxbot(config) as chat:
        yield chat


def played(case: Case, chat: ChatTarget) -> CaseResult:
    return play(case, chat.conversation(), transport=chat.transport)


def problems(result: CaseResult) -> str:
    lines = [
        f"turn {t.index} {t.message!r}: {t.failure or '; '.join(t.unmet)}"
        for t in result.turns
        if t.failure or t.unmet
    ]
    lines += [f"end: {problem}" for problem in result.end_unmet]
    return "\n".join(lines)


# --- the library itself ------------------------------------------------------------------------


def test_the_library_is_large_enough_and_ids_are_unique_and_themed():
    ids = [script.conversation.id for script in SCRIPTS]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)
    assert len(set(BY_ID)) == len(CASES)
    for theme in THEMES:
        assert any(i.startswith(f"{theme}-") for i in ids), f"no {theme}- conversation"
    assert all(i.split("-")[0] in THEMES for i in ids), ids
    assert all(script.conversation.title for script in SCRIPTS)


def test_every_taxbot_intent_is_expected_somewhere():
    expected: set[str] = set()
    for script in SCRIPTS:
        for turn in script.turns:
            intent = turn.expect.intent
            expected |= {intent} if isinstance(intent, str) else set(intent or [])
    assert set(INTENTS) <= expected, f"never expected: {sorted(set(INTENTS) - expected)}"


def test_each_tax_topic_is_asked_at_turn_1_and_at_turn_2_and_marked_as_tax_information():
    """Taxbot picks one of two answers by the turn number: both must be played."""
    seen: dict[str, set[int]] = {topic: set() for topic in TAX_INTENTS}
    for script in SCRIPTS:
        for index, turn in enumerate(script.turns[:2], 1):
            if turn.expect.intent in TAX_INTENTS:
                assert "tax_info" in turn.expect.topics, f"{script.conversation.id} t{index}"
                seen[str(turn.expect.intent)].add(index)
    assert all(turns == {1, 2} for turns in seen.values()), seen


def test_compliance_critical_themes_are_blockers():
    for script in SCRIPTS:
        theme = script.conversation.id.split("-")[0]
        if theme in ("PRM", "PII", "INJ"):
            assert script.conversation.severity == "blocker", script.conversation.id


# --- against a healthy taxbot ------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_case_passes_against_a_healthy_taxbot(case: Case, healthy: ChatTarget):
    result = played(case, healthy)
    assert result.completed, f"{case.id} ({case.script.path.name}):\n{problems(result)}"


# --- against a regressed taxbot ----------------------------------------------------------------


@pytest.mark.parametrize("fault", sorted(CATCHES))
def test_the_scripts_catch_the_fault(fault: str, config: Config):
    cases = [BY_ID[case_id] for case_id in CATCHES[fault]]
    with taxbot(config, fault) as chat:
        results = {case.id: played(case, chat) for case in cases}
    caught = [case_id for case_id, result in results.items() if not result.completed]
    assert caught == CATCHES[fault], f"{fault}: not caught by {set(CATCHES[fault]) - set(caught)}"
    # Caught for the right reason: what failed is an expectation, not the bot's answering.
    for result in results.values():
        assert all(t.turn is not None for t in result.turns), problems(result)
    if fault == "injection":
        shown = "\n".join(problems(results[case_id]) for case_id in caught)
        assert re.search("system prompt is", shown), shown
