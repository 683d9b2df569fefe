"""What the page journeys and the API journeys share: the messages they send, and how they
read a side effect (a lead looked up, a rating counted, a conversation id carried)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from prometheus_client.parser import text_string_to_metric_families

from releasegate.chat.engine import excerpt
from releasegate.config import TargetConfig
from releasegate.http import TargetSession

HANDOFF = "Can I talk to a human, please?"
GREETING = "Hello!"
FOLLOW_UP = "Thanks! And the tax rate?"
# Accents, dashes, CJK, a plain emoji and composed ones (skin tone, a joiner family, ❤️ with
# its presentation selector): what real users type, and what text handling gets wrong.
UNICODE = {
    "accents": "Grüße aus Zürich — what is the property tax rate? 🏠",
    "skin_tone_emoji": "Can I appeal my assessment? 👍🏽",
    "joined_emoji": "Our family home 👨\u200d👩\u200d👧 — is there an exemption? ❤️",
    "japanese": "固定資産税はいつ払いますか?",
}
# The page types every character: two messages hold the same cases.
UNICODE_ON_PAGE = ("Grüße aus Zürich — 固定資産税? 🏠", "Can I appeal? 👍🏽 👨\u200d👩\u200d👧 ❤️")


def lead_lookup(http: TargetSession, target: TargetConfig, reference: str) -> None:
    """The lead behind ``reference`` is found through the target's API."""
    path = target.leads.path.replace("{reference}", quote(reference, safe=""))
    response = http.get(path)
    assert response.status_code == 200, (
        f"the bot gave lead reference {reference}, but GET {path} answered "
        f"{response.status_code}: {excerpt(response.text)} (the lead was not stored)"
    )
    assert reference in response.text, (
        f"GET {path} answered 200 without the reference {reference}: {excerpt(response.text)}"
    )


def feedback_count(http: TargetSession, target: TargetConfig, rating: int) -> float:
    """How many ratings of ``rating`` the target's counter says it has stored."""
    feedback = target.feedback
    response = http.get(target.metrics_path)
    assert response.status_code == 200, (
        f"GET {target.metrics_path} answered {response.status_code}: {excerpt(response.text)}"
    )
    samples = [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == feedback.counter
    ]
    assert samples, (
        f"no counter {feedback.counter} on {target.metrics_path} (target.feedback.counter)"
    )
    label = feedback.counter_label
    return sum(s.value for s in samples if s.labels.get(label) == str(rating))


def counted_once(before: float, after: float, target: TargetConfig, rating: int, how: str) -> None:
    feedback = target.feedback
    moved = after - before
    assert moved == 1, (
        f'{how}, but {feedback.counter}{{{feedback.counter_label}="{rating}"}} moved by '
        f"{moved:g}, not 1: the rating was not stored and counted"
    )


def values_at(template: Any, body: Any, placeholder: str = "{conversation_id}") -> Iterator[Any]:
    """The values a request body holds where its template has ``placeholder``."""
    if template == placeholder:
        yield body
    elif isinstance(template, dict) and isinstance(body, dict):
        for key, value in template.items():
            if key in body:
                yield from values_at(value, body[key], placeholder)
    elif isinstance(template, list) and isinstance(body, list):
        for value, sent in zip(template, body, strict=False):
            yield from values_at(value, sent, placeholder)


def carries(body: Any, text: str) -> bool:
    """Does a request body hold this text anywhere (a history of messages)?"""
    return json.dumps(text)[1:-1] in json.dumps(body)
