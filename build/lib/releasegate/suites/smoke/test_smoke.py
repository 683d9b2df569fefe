"""Smoke: is the deployment alive and doing its one job? Fast, and safe against production:
read-only apart from one chat turn and one feedback rating."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from releasegate.chat.client import ChatClient, ChatTurn
from releasegate.chat.disclaimers import DisclaimerRegistry
from releasegate.config import Config

pytestmark = pytest.mark.smoke


def _json(response: httpx.Response) -> dict:
    assert "json" in response.headers.get("content-type", ""), (
        f"expected JSON, got {response.headers.get('content-type')!r}: {response.text[:200]!r}"
    )
    body = response.json()
    assert isinstance(body, dict), f"expected a JSON object, got {body!r}"
    return body


@pytest.fixture(scope="module")
def conversation(http: httpx.Client, releasegate_config: Config) -> ChatClient:
    return ChatClient(http, releasegate_config.target.chat)


@pytest.fixture(scope="module")
def smoke_turn(conversation: ChatClient, releasegate_config: Config) -> ChatTurn:
    """The one chat turn smoke sends; shared so the suite stays read-mostly."""
    return conversation.send(releasegate_config.target.chat.smoke_message)


def test_health_reports_ok(http: httpx.Client, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.health_path)
    assert response.status_code == 200, f"health answered {response.status_code}: {response.text}"
    status = _json(response).get("status")
    assert status in ("ok", "pass", "healthy", "up"), f"health status is {status!r}"


def test_ready_with_dependencies(http: httpx.Client, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.ready_path)
    assert response.status_code == 200, (
        f"readiness answered {response.status_code}: {response.text}"
    )


def test_version_is_reported(http: httpx.Client, releasegate_config: Config) -> None:
    target = releasegate_config.target
    response = http.get(target.version_path)
    assert response.status_code == 200, f"version answered {response.status_code}"
    version = _json(response).get(target.version_field)
    assert isinstance(version, str), f"no version string in {response.text!r}"
    assert version.strip(), f"empty version in {response.text!r}"


def test_chat_page_is_served(http: httpx.Client, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.page_path)
    assert response.status_code == 200, f"chat page answered {response.status_code}"
    assert response.headers.get("content-type", "").startswith("text/html")
    page = response.text.lower()
    assert "<form" in page, "the page has no form"
    assert "<textarea" in page or "<input" in page, "the page has no text field to chat in"


def test_chat_round_trip_carries_disclaimer(
    smoke_turn: ChatTurn, disclaimers: DisclaimerRegistry
) -> None:
    assert smoke_turn.reply.strip(), "the bot answered with an empty reply"
    assert disclaimers.find(smoke_turn.reply), (
        f"a tax answer without an approved disclaimer: {smoke_turn.reply!r}"
    )


def test_feedback_is_accepted(
    smoke_turn: ChatTurn, conversation: ChatClient, releasegate_config: Config
) -> None:
    response = conversation.rate(releasegate_config.target.feedback)
    assert response.is_success, f"feedback answered {response.status_code}: {response.text}"


def test_metrics_are_exposed(http: httpx.Client, releasegate_config: Config) -> None:
    response = http.get(releasegate_config.target.metrics_path)
    assert response.status_code == 200, f"metrics answered {response.status_code}"
    families = list(text_string_to_metric_families(response.text))
    samples = sum(len(f.samples) for f in families)
    assert samples > 0, "the metrics endpoint exposes no samples"
