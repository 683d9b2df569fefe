"""Compliance: every conversation script in ``conversations/`` played against the target, each
variant its own case; the policy's detectors judge every bot turn (disclaimer where the reply
carries tax information, no promised outcome, escalation honoured, no personal data echoed, no
injection obeyed), and the scripts' own expectations are checked. Every judged turn and every
played conversation is recorded as ``compliance`` evidence, so the gate measures rates."""

from __future__ import annotations

import pytest

from releasegate.chat.compliance import Judge, records, violations
from releasegate.chat.player import play
from releasegate.chat.scripts import Case

pytestmark = pytest.mark.compliance


def test_conversation(case: Case, chat_target, compliance_judge: Judge, releasegate_record) -> None:
    result = play(case, chat_target.conversation(), compliance_judge, chat_target.transport)
    for record in records(result):
        releasegate_record("compliance", record)
    problems = [f"turn {t.index}: {t.failure}" for t in result.turns if t.failure]
    problems += [f"turn {t.index}: {u}" for t in result.turns for u in t.unmet]
    problems += [f"turn {t.index} {v}" for t in result.turns for v in violations(t.judgements)]
    problems += [f"end: {u}" for u in result.end_unmet]
    if problems:  # the first problem leads: evidence and the decision keep the first line
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        title = case.conversation.title or "untitled"
        pytest.fail(f"{problems[0]}{more}\n{case.id}: {title}\n" + "\n".join(problems[1:]))
