"""User journeys on the chat page in Chromium, done the way a person does them: typing with
the keyboard, Enter to send, reading the chat log, clicking a rating. Each side effect is then
checked where it lands (the lead through the API, the rating in the metrics), because a page
that says "thanks" proves nothing by itself.

Selectors come from ``[target.page]``, so the journeys run on any bot's page; a journey that
needs a capability the target lacks (leads, feedback, metrics) is not applicable, visibly.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Route
from releasegate.suites.e2e.journeys import (
    FOLLOW_UP,
    GREETING,
    HANDOFF,
    UNICODE_ON_PAGE,
    carries,
    counted_once,
    feedback_count,
    lead_lookup,
    values_at,
)

from releasegate.chat.detectors import EscalationPolicy, Exchange, check_escalation, find_disclaimer
from releasegate.chat.engine import excerpt
from releasegate.chat.jsonpath import lookup
from releasegate.chat.page import ChatPage
from releasegate.chat.policy import DisclaimerEntry
from releasegate.config import Config
from releasegate.evidence.kinds.tests import NOT_APPLICABLE
from releasegate.http import TargetSession

pytestmark = [pytest.mark.e2e, pytest.mark.capability("page")]


def test_page_answer_carries_the_disclaimer(
    chat_page: ChatPage, releasegate_config: Config, disclaimers: list[DisclaimerEntry]
) -> None:
    question = releasegate_config.target.chat.smoke_message
    turn = chat_page.send(question)
    assert turn.reply.strip(), "the page showed an empty reply"
    if find_disclaimer(turn.reply, [d.text for d in disclaimers]) is None:
        approved = "; ".join(f"{d.id}: {d.text!r}" for d in disclaimers)
        pytest.fail(
            f"the page shows the answer to {question!r} without an approved disclaimer "
            f"(looked for {approved}): {excerpt(turn.reply, 400)!r}",
            pytrace=False,
        )


@pytest.mark.capability("leads")
def test_page_lead_qualification_ends_with_a_stored_reference(
    chat_page: ChatPage, releasegate_config: Config, http: TargetSession
) -> None:
    leads = releasegate_config.target.leads
    for message in leads.messages:
        turn = chat_page.send(message)
    found = re.search(leads.reference, turn.reply)
    assert found, (
        f"after {len(leads.messages)} turns the page shows no lead reference (target.leads."
        f"reference {leads.reference!r}) in the last reply: {excerpt(turn.reply)!r}"
    )
    reference = found.group(1)
    log = chat_page.wait_for("log", "no chat log")
    assert reference in log.inner_text(), f"the reference {reference} is not in the chat log"
    lead_lookup(http, releasegate_config.target, reference)


def test_page_handoff_shows_the_notice(chat_page: ChatPage, escalation: EscalationPolicy) -> None:
    turn = chat_page.send(HANDOFF, click=True)
    chat_page.wait_for("handoff_notice", f"no handoff notice after {HANDOFF!r}")
    judged = check_escalation(Exchange(HANDOFF, turn.reply), escalation)
    assert judged.applies, f"the escalation detector does not read {HANDOFF!r} as a request"
    assert not judged.violated, judged.findings[0].message


@pytest.mark.capability("feedback")
@pytest.mark.capability("metrics")
def test_page_rating_is_stored_and_counted(
    chat_page: ChatPage, releasegate_config: Config, http: TargetSession
) -> None:
    target = releasegate_config.target
    if not target.feedback.counter:
        pytest.skip(f"{NOT_APPLICABLE}target.feedback.counter is empty: ratings are not counted")
    rating = target.feedback.rating
    chat_page.send(target.chat.smoke_message)
    before = feedback_count(http, target, rating)
    confirmed = chat_page.rate(rating)
    assert confirmed, "the page confirmed the rating with an empty status"
    after = feedback_count(http, target, rating)
    counted_once(
        before, after, target, rating, f"the page confirmed rating {rating} ({confirmed!r})"
    )


def _malformed(route: Route) -> None:
    """The chat request with its JSON body cut in half: the real API must reject it."""
    body = route.request.post_data or ""
    route.continue_(post_data=body[: len(body) // 2])


def _server_error(route: Route) -> None:
    route.fulfill(status=500, content_type="text/plain", body="Internal Server Error")


@pytest.mark.parametrize("failure", ["rejected", "server_error"])
def test_page_shows_api_errors_in_the_alert_region(
    chat_page: ChatPage, releasegate_config: Config, failure: str
) -> None:
    """The chat API refuses one turn (a real rejection of a malformed body, or a 500): the
    page says so in its alert region, shows no reply for it, and the next turn works."""
    path = releasegate_config.target.chat.path
    page = chat_page.page
    page.route(f"**{path}", _malformed if failure == "rejected" else _server_error, times=1)
    with page.expect_response(lambda r: r.url.endswith(path)) as answered:
        shown = chat_page.submit(GREETING)
    status = answered.value.status
    if failure == "rejected":
        assert 400 <= status < 500, f"the API answered {status} to a malformed chat body"
    assert isinstance(shown, str), (
        f"the API answered {status}, yet the page showed a reply: {excerpt(shown.reply)!r}"
    )
    assert shown, f"the API answered {status} and the page's alert region stayed empty"
    recovered = chat_page.send(GREETING)
    assert recovered.reply.strip(), "after the error, the next turn got an empty reply"


def test_page_unicode_and_emoji(chat_page: ChatPage) -> None:
    """Each message is shown as typed (no mojibake) and answered."""
    for message in UNICODE_ON_PAGE:
        turn = chat_page.send(message)
        assert turn.reply.strip(), f"the page showed an empty reply to {message!r}"


def test_page_keeps_the_session_across_turns(
    chat_page: ChatPage, releasegate_config: Config
) -> None:
    """Every turn the page sends belongs to one conversation, as the chat contract holds it:
    the id the server gave is sent back, the client's id stays the same, or the history grows."""
    contract = releasegate_config.target.chat
    messages = [GREETING, contract.smoke_message, FOLLOW_UP]
    for message in messages:
        chat_page.send(message)
    calls = chat_page.chat_requests(contract.path)
    assert len(calls) == len(messages), (
        f"the page sent {len(calls)} POST {contract.path} requests for {len(messages)} messages"
    )
    bodies = [call.post_data_json for call in calls]
    if contract.conversation_id == "server":
        assert contract.conversation_id_path is not None
        given = []
        for call in calls:
            answer = call.response()
            given.append(lookup(answer.json(), contract.conversation_id_path) if answer else None)
        for turn, (body, earlier) in enumerate(zip(bodies[1:], given, strict=False), start=2):
            sent = list(values_at(contract.body, body))
            assert sent == [earlier], (
                f"turn {turn} was sent with conversation id {sent[0] if sent else None!r}, not "
                f"{earlier!r} that the server gave in turn {turn - 1}: the page lost the session "
                f"(request body {excerpt(json.dumps(body))})"
            )
    elif contract.conversation_id == "client":
        sent = [next(values_at(contract.body, body), None) for body in bodies]
        assert sent[0], f"the page sent no conversation id (target.chat.body): {bodies[0]}"
        assert len(set(sent)) == 1, f"the page's conversation ids changed: {sent}"
    elif contract.history:
        for turn, body in enumerate(bodies[1:], start=2):
            lost = [m for m in messages[: turn - 1] if not carries(body, m)]
            assert not lost, f"turn {turn} was sent without the earlier message(s) {lost}"
    else:
        pytest.skip(f"{NOT_APPLICABLE}the chat contract keeps no conversation (target.chat)")
