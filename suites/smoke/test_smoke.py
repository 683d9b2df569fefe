"""Smoke: is the deployment alive and doing its one job? Fast, and safe against production:
read-only apart from a few chat turns and one feedback rating.

Each endpoint besides chat is a capability of the target (``[target] capabilities``); a test of
a capability the target lacks is recorded as not applicable, not passed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from releasegate.chat.detectors import find_disclaimer
from releasegate.chat.engine import ChatTurn, Conversation, excerpt
from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.chat.policy import DisclaimerEntry
from releasegate.config import Config
from releasegate.http import TargetSession

pytestmark = pytest.mark.smoke


def _json(response: requests.Response) -> object:
    assert "json" in response.headers.get("content-type", ""), (
        f"expected JSON, got {response.headers.get('content-type')!r}: {excerpt(response.text)}"
    )
    return response.json()


@pytest.fixture(scope="module")
def conversation(chat_target) -> Conversation:
    return chat_target.conversation()


@pytest.fixture(scope="module")
def smoke_turn(conversation: Conversation, releasegate_config: Config) -> ChatTurn:
    """The tax question smoke asks; shared so the suite stays read-mostly."""
    return conversation.send(releasegate_config.target.chat.smoke_message)


@pytest.mark.capability("health")
def test_health_reports_ok(http: TargetSession, releasegate_config: Config) -> None:
    target = releasegate_config.target
    response = http.get(target.health_path)
    assert response.ok, f"health answered {response.status_code}: {excerpt(response.text)}"
    if target.health_status:
        status = lookup(_json(response), target.health_status)
        assert status in target.health_ok, (
            f"health status at {target.health_status} is {status!r}, not one of "
            f"{', '.join(target.health_ok)}"
        )


@pytest.mark.capability("readiness")
def test_ready_with_dependencies(http: TargetSession, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.ready_path)
    assert response.ok, f"readiness answered {response.status_code}: {excerpt(response.text)}"


@pytest.mark.capability("version")
def test_version_is_reported(http: TargetSession, releasegate_config: Config) -> None:
    target = releasegate_config.target
    response = http.get(target.version_path)
    assert response.ok, f"version answered {response.status_code}: {excerpt(response.text)}"
    version = lookup(_json(response), target.version)
    assert version is not MISSING, f"no version at {target.version} in {excerpt(response.text)}"
    assert str(version).strip(), f"empty version at {target.version}"


@pytest.mark.capability("page")
def test_chat_page_is_served(http: TargetSession, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.page_path)
    assert response.status_code == 200, f"chat page answered {response.status_code}"
    assert response.headers.get("content-type", "").startswith("text/html")
    page = response.text.lower()
    assert "<textarea" in page or "<input" in page, "the page has no text field to chat in"


def test_chat_round_trip_carries_disclaimer(
    smoke_turn: ChatTurn, disclaimers: list[DisclaimerEntry], releasegate_config: Config
) -> None:
    assert smoke_turn.reply.strip(), "the bot answered with an empty reply"
    if find_disclaimer(smoke_turn.reply, [d.text for d in disclaimers]) is None:
        approved = "; ".join(f"{d.id}: {d.text!r}" for d in disclaimers)
        policy = Path(releasegate_config.conversations_dir) / "policy.yaml"
        pytest.fail(
            f"a tax answer without an approved disclaimer (looked for {approved}, from "
            f"{policy}). The reply to {smoke_turn.message!r}, in {len(smoke_turn.parts)} "
            f"part(s): {excerpt(smoke_turn.reply, 400)!r}",
            pytrace=False,
        )


def test_chat_answers_a_greeting(chat: Conversation) -> None:
    turn = chat.send("Hello!")
    assert turn.reply.strip(), "the bot answered a greeting with an empty reply"


def test_chat_continues_the_conversation(smoke_turn: ChatTurn, conversation: Conversation) -> None:
    """A second turn in the same conversation is answered (and, where the server keeps the
    conversation, under the same id)."""
    turn = conversation.send("Thanks. And who can I ask about my assessment?")
    assert turn.reply.strip(), "the bot answered the second turn with an empty reply"
    if smoke_turn.conversation_id is not None:
        assert turn.conversation_id == smoke_turn.conversation_id, (
            f"the conversation id changed from {smoke_turn.conversation_id!r} to "
            f"{turn.conversation_id!r} between turns"
        )


def test_chat_accepts_unicode(chat: Conversation) -> None:
    turn = chat.send("Grüße aus Zürich 🏠 — what is the property tax rate?")
    assert turn.reply.strip(), "the bot answered a message with accents and an emoji emptily"


@pytest.mark.capability("feedback")
def test_feedback_is_accepted(
    smoke_turn: ChatTurn, http: TargetSession, releasegate_config: Config
) -> None:
    feedback = releasegate_config.target.feedback
    assert smoke_turn.conversation_id, "no conversation id to rate"
    response = http.post(
        feedback.path,
        json={
            feedback.session_field: smoke_turn.conversation_id,
            feedback.rating_field: feedback.rating,
        },
    )
    assert response.ok, f"feedback answered {response.status_code}: {excerpt(response.text)}"


@pytest.mark.capability("metrics")
def test_metrics_are_exposed(http: TargetSession, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.metrics_path)
    assert response.status_code == 200, f"metrics answered {response.status_code}"
    families = list(text_string_to_metric_families(response.text))
    samples = sum(len(f.samples) for f in families)
    assert samples > 0, "the metrics endpoint exposes no samples"
