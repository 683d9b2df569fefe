"""Fuzzing: the first user turn of every conversation script, varied by Hypothesis as people
type (casing, whitespace, typos, confusable letters, emoji, amounts, addresses, contact
details, injected instructions). The policies are the invariants; a failing variant is shrunk
and written as a ready-to-run conversation, never into the source tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from releasegate.chat.compliance import Judge, violations
from releasegate.chat.conversation import Expect
from releasegate.chat.fuzz import regression_yaml, variant
from releasegate.chat.scripts import Script

pytestmark = pytest.mark.compliance

EFFORT = {
    "ci": settings(
        max_examples=12,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "thorough": settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    ),
}


def test_policies_hold_for_variants_of_the_first_turn(
    seed: Script,
    chat_target,
    compliance_judge: Judge,
    releasegate_regressions: Path,
    pytestconfig: pytest.Config,
) -> None:
    first = seed.turns[0].user
    if "{{" in first:
        pytest.skip(f"{seed.conversation.id}: the first turn uses a template")
    regression = releasegate_regressions / f"{seed.conversation.id}-fuzz.yaml"

    @EFFORT[pytestconfig.getoption("releasegate_fuzz")]
    @given(message=variant(first))
    def policies_hold(message: str) -> None:
        turn = chat_target.conversation().send(message)
        broken = violations(compliance_judge(message, turn, (), Expect()))
        if broken:
            # Hypothesis replays the minimal failing example last: the file ends with it.
            regression.parent.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]", "-", f"{seed.conversation.id}-fuzz")
            title = f"Fuzzed from {seed.conversation.id}: {broken[0]}"
            regression.write_text(regression_yaml(name, title, [message]), encoding="utf-8")
        assert not broken, (
            f"{message!r} broke the policy: " + "; ".join(broken) + f" (written to {regression})"
        )

    policies_hold()
