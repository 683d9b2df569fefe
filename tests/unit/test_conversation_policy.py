"""The disclaimer registry: approved texts, matched however they are formatted."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.chat.detectors import find_disclaimer
from releasegate.chat.policy import load_policy
from releasegate.errors import UserError

APPROVED = (
    "This is general information, not tax or legal advice. For decisions about your property, "
    "check with your county assessor or a licensed tax professional."
)


@pytest.fixture
def registry(project_root: Path) -> list[str]:
    policy = load_policy(project_root / "conversations" / "policy.yaml")
    assert [d.id for d in policy.disclaimers] == ["taxbot-general-v1"]
    return [d.text for d in policy.disclaimers]


def test_shipped_registry_matches_the_exact_text(registry):
    found = find_disclaimer(f"Taxes are due twice a year. {APPROVED} Anything else?", registry)
    assert found == APPROVED


def test_formatting_does_not_fail_a_disclaimer(registry):
    reformatted = APPROVED.upper().replace(" ", "\n  ").replace(",", "\uff0c")
    assert find_disclaimer(reformatted, registry) is not None


@pytest.mark.parametrize(
    "reply",
    [
        "Taxes are due twice a year.",
        APPROVED.replace("not tax or legal advice", "tax advice"),
        APPROVED[: len(APPROVED) // 2],
    ],
)
def test_missing_reworded_or_cut_disclaimers_do_not_count(registry, reply):
    assert find_disclaimer(reply, registry) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("disclaimers: [", "invalid YAML"),
        ("disclaimers: []", "disclaimers: list should have at least 1 item"),
        ("disclaimer: []", "disclaimer: unknown key (did you mean 'disclaimers'?)"),
        (
            "disclaimers:\n  - id: a\n    txt: hello there, friend",
            "disclaimers[0].txt: unknown key",
        ),
        (
            "disclaimers:\n  - {id: a, text: Not tax advice at all.}\n"
            "  - {id: a, text: Not legal advice at all.}",
            "disclaimer id listed more than once: a",
        ),
    ],
)
def test_bad_policy_files_name_file_and_key(tmp_path, text, expected):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_missing_policy_file(tmp_path):
    with pytest.raises(UserError, match="no such conversation policy file"):
        load_policy(tmp_path / "policy.yaml")
