"""The same journeys through the chat API (the contract engine), for bots without a page and to
tell a page fault from an API fault: lead qualification then lookup, handoff, a rating stored
and counted, one conversation across turns, unicode and emoji."""

from __future__ import annotations

import re

import pytest
from releasegate.suites.e2e.journeys import (
    FOLLOW_UP,
    GREETING,
    HANDOFF,
    UNICODE,
    counted_once,
    feedback_count,
    lead_lookup,
)

from releasegate.chat.detectors import EscalationPolicy, Exchange, check_escalation
from releasegate.chat.engine import Conversation, excerpt
from releasegate.config import Config
from releasegate.evidence.kinds.tests import NOT_APPLICABLE
from releasegate.http import TargetSession

pytestmark = pytest.mark.e2e


@pytest.mark.capability("leads")
def test_api_lead_qualification_then_lookup(
    chat: Conversation, releasegate_config: Config, http: TargetSession
) -> None:
    leads = releasegate_config.target.leads
    for message in leads.messages:
        turn = chat.send(message)
    found = re.search(leads.reference, turn.reply)
    assert found, (
        f"after {len(leads.messages)} turns no lead reference (target.leads.reference "
        f"{leads.reference!r}) in the last reply: {excerpt(turn.reply)!r}"
    )
    lead_lookup(http, releasegate_config.target, found.group(1))


def test_api_handoff_is_honoured(chat: Conversation, escalation: EscalationPolicy) -> None:
    turn = chat.send(HANDOFF)
    judged = check_escalation(Exchange(HANDOFF, turn.reply, handoff=turn.handoff), escalation)
    assert judged.applies, f"the escalation detector does not read {HANDOFF!r} as a request"
    assert not judged.violated, judged.findings[0].message


@pytest.mark.capability("feedback")
@pytest.mark.capability("metrics")
def test_api_feedback_is_stored_and_counted(
    chat: Conversation, releasegate_config: Config, http: TargetSession
) -> None:
    target = releasegate_config.target
    feedback = target.feedback
    if not feedback.counter:
        pytest.skip(f"{NOT_APPLICABLE}target.feedback.counter is empty: ratings are not counted")
    turn = chat.send(target.chat.smoke_message)
    assert turn.conversation_id, "no conversation id to rate"
    before = feedback_count(http, target, feedback.rating)
    response = http.post(
        feedback.path,
        json={feedback.session_field: turn.conversation_id, feedback.rating_field: feedback.rating},
    )
    assert response.ok, f"feedback answered {response.status_code}: {excerpt(response.text)}"
    after = feedback_count(http, target, feedback.rating)
    counted_once(
        before,
        after,
        target,
        feedback.rating,
        f"POST {feedback.path} answered {response.status_code}",
    )


def test_api_session_continues_across_turns(chat: Conversation) -> None:
    turns = [chat.send(m) for m in (GREETING, chat.contract.smoke_message, FOLLOW_UP)]
    ids = [t.conversation_id for t in turns]
    if chat.contract.conversation_id == "none":
        pytest.skip(f"{NOT_APPLICABLE}the chat contract has no conversation id (target.chat)")
    assert ids[0], "the first turn has no conversation id"
    assert len(set(ids)) == 1, f"the conversation id changed across turns: {ids}"
    assert all(t.reply.strip() for t in turns), "a turn of the conversation got an empty reply"


@pytest.mark.parametrize("message", UNICODE.values(), ids=UNICODE.keys())
def test_api_unicode_and_emoji(chat: Conversation, message: str) -> None:
    turn = chat.send(message)
    assert turn.reply.strip(), f"the bot answered {message!r} with an empty reply"
