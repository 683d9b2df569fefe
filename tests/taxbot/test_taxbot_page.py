"""The chat page: structure an accessibility audit and the e2e suite rely on."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from taxbot import page as page_module
from taxbot.faults import Faults


class Elements(HTMLParser):
    """Collects every start tag as (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def one(self, tag: str, **attrs: str) -> dict[str, str | None]:
        matches = [
            found
            for name, found in self.found
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]
        assert len(matches) == 1, (tag, attrs, matches)
        return matches[0]


@pytest.fixture
def html(bot) -> str:
    response = bot.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


@pytest.fixture
def elements(html) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def test_document_basics(html, elements):
    assert elements.one("html")["lang"] == "en"
    assert re.search(r"<title>TaxBot[^<]+</title>", html)
    elements.one("h1")
    elements.one("header")
    elements.one("main")


def test_input_has_a_visible_label(elements):
    field = elements.one("input", **{"data-testid": "chat-input"})
    label = elements.one("label")
    assert label["for"] == field["id"] == "chat-input"
    assert field["maxlength"] == "2000"
    assert elements.one("button", **{"data-testid": "send-button"})["type"] == "submit"


def test_chat_log_is_a_polite_live_region(elements):
    log = elements.one("div", **{"data-testid": "chat-log"})
    assert log["role"] == "log"
    assert log["aria-live"] == "polite"
    assert log["aria-label"] == "Conversation"
    assert elements.one("p", role="status")["data-testid"] == "feedback-status"
    assert elements.one("p", role="alert")["data-testid"] == "chat-error"


def test_script_renders_distinct_messages_and_feedback(html):
    for expected in (
        "message ${role}",
        '"You said: "',
        '"TaxBot said: "',
        '"fieldset"',
        '"legend"',
        '"Rate this answer"',
        '`${rating} ${rating === 1 ? "star" : "stars"}`',
        '"/api/feedback"',
        '"Thanks for your feedback"',
        '"/api/chat"',
        "sessionId = reply.session_id",
        "reply.handoff",
        'dataset.testid = "feedback"',
    ):
        assert expected in html, expected


def test_focus_is_visible(html):
    match = re.search(r":focus-visible \{ outline: (\d+)px solid", html)
    assert match is not None
    assert int(match.group(1)) >= 2


def test_page_is_self_contained(html):
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "http://" not in html
    assert "https://" not in html


def test_render_page_fails_loudly_when_an_edit_no_longer_applies(tmp_path, monkeypatch):
    stale = tmp_path / "index.html"
    stale.write_text("<html lang='en'><body data-feedback=\"buttons\"></body></html>")
    monkeypatch.setattr(page_module, "INDEX", Path(stale))
    assert 'data-feedback="none"' in page_module.render_page(Faults(no_feedback=True))
    with pytest.raises(RuntimeError, match="expected exactly one"):
        page_module.render_page(Faults(a11y=True))
