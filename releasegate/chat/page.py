"""``[target.page]``: the chat page as a user meets it, driven through Playwright.

The selectors say where a page keeps its input, its messages, its rating control and its alert
region, so the e2e journeys run on any bot's page, not only taxbot's. A selector is any
Playwright selector (CSS by default, ``xpath=``, ``text=``, ``role=button[name="Send"]``, ...)
or ``testid=NAME``, the element whose ``data-testid`` is NAME (Playwright's ``get_by_test_id``).

The model is cheap to import (config loads it); Playwright is imported only by the driver.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from releasegate.errors import ConfigError
from releasegate.model import Strict

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Request

TESTID = "testid="
RATING = "{rating}"
NONBLANK = re.compile(r"\S")
_PARSED: set[PageSelectors] = set()  # selector sets already checked in this process


def _selector(value: str) -> str:
    if not value.strip() or "\n" in value:
        raise ValueError(f"a selector must be one non-blank line (got {value!r})")
    if value.startswith(TESTID) and not value.removeprefix(TESTID).strip():
        raise ValueError(f"{TESTID} needs a test id after it (got {value!r})")
    return value


Selector = Annotated[str, AfterValidator(_selector)]
SelectorKey = Literal[
    "input",
    "send",
    "log",
    "user_message",
    "assistant_message",
    "feedback",
    "rating",
    "feedback_status",
    "error",
    "handoff_notice",
]


class PageSelectors(Strict):
    """Where the chat page keeps each thing a journey reads or uses (taxbot's test ids by
    default). ``rating`` is looked up inside the latest ``feedback`` control, with ``{rating}``
    replaced by the rating given."""

    input: Selector = "testid=chat-input"
    send: Selector = "testid=send-button"
    log: Selector = "testid=chat-log"
    user_message: Selector = "testid=message-user"
    assistant_message: Selector = "testid=message-assistant"
    feedback: Selector = "testid=feedback"
    rating: Selector = "[data-rating='{rating}']"
    feedback_status: Selector = "testid=feedback-status"
    error: Selector = "testid=chat-error"
    handoff_notice: Selector = "testid=handoff-notice"
    timeout_s: float = Field(5.0, gt=0, le=120)  # how long the page may take to show a result


def locate(root: Page | Locator, selector: str) -> Locator:
    """The elements a ``[target.page]`` selector names, under ``root``."""
    if selector.startswith(TESTID):
        return root.get_by_test_id(selector.removeprefix(TESTID))
    return root.locator(selector)


@dataclass(frozen=True)
class PageTurn:
    """One turn as the page showed it."""

    message: str
    reply: str  # the new assistant messages' texts, joined by blank lines
    parts: list[str]


class ChatPage:
    """A chat page in a browser tab, used the way a person does: typing, Enter, clicks, and
    reading what the page shows. Every wait is bounded by ``timeout_s``."""

    def __init__(self, page: Page, selectors: PageSelectors, source: str) -> None:
        self.page = page
        self.selectors = selectors
        self.source = source
        self.timeout_ms = selectors.timeout_s * 1000
        self.requests: list[Request] = []
        page.set_default_timeout(self.timeout_ms)
        page.on("requestfinished", self._finished)

    def _finished(self, request: Request) -> None:
        self.requests.append(request)

    def describe(self, key: SelectorKey) -> str:
        return f"target.page.{key} = {getattr(self.selectors, key)!r}"

    def locate(self, key: SelectorKey, within: Locator | None = None, rating: int = 0) -> Locator:
        return locate(
            within or self.page, getattr(self.selectors, key).replace(RATING, str(rating))
        )

    def shown(self, key: SelectorKey) -> Locator:
        """The element(s) of ``key`` that show some text."""
        return self.locate(key).filter(has_text=NONBLANK)

    def open(self, path: str) -> None:
        """Load the page and check every selector parses (once per configuration); a broken
        one is a config error."""
        from playwright.sync_api import expect

        self.page.goto(path)
        if self.selectors not in _PARSED:
            self._check_selectors()
            _PARSED.add(self.selectors)
        field = expect(self.locate("input"))
        self._expect(lambda ms: field.to_be_editable(timeout=ms), "input", "no editable input")

    def _check_selectors(self) -> None:
        from playwright.sync_api import Error

        for key in get_args(SelectorKey):
            try:
                self.locate(key).count()
            except Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise ConfigError(
                    f"{self.source}: {self.describe(key)}: not a selector Playwright can use "
                    f"({first})"
                ) from None

    def _expect(self, check: Callable[[float], None], key: SelectorKey, problem: str) -> None:
        """Run a Playwright ``expect`` check; on timeout, say what was looked for in words."""
        try:
            check(self.timeout_ms)
        except AssertionError:
            raise AssertionError(
                f"{problem} within {self.selectors.timeout_s:g} s ({self.describe(key)})"
            ) from None

    def wait_for(self, key: SelectorKey, problem: str) -> Locator:
        """The first element of ``key``, once visible; else an AssertionError saying
        ``problem``."""
        from playwright.sync_api import expect

        found = self.locate(key).first
        self._expect(lambda ms: expect(found).to_be_visible(timeout=ms), key, problem)
        return found

    def error_text(self) -> str:
        shown = self.shown("error")
        return " ".join(shown.all_inner_texts()).strip() if shown.count() else ""

    def type(self, text: str) -> None:
        """Type into the input with the keyboard, as a person does."""
        field = self.locate("input")
        field.click()
        field.press_sequentially(text)

    def send(self, text: str, *, click: bool = False) -> PageTurn:
        """Type ``text`` and send it (Enter, or the send button), wait for the reply or an
        error, and read the reply from the chat log. An error shown instead of a reply is an
        AssertionError quoting the page."""
        turn = self.submit(text, click=click)
        if isinstance(turn, str):
            raise AssertionError(f"the page showed an error instead of a reply to {text!r}: {turn}")
        return turn

    def submit(self, text: str, *, click: bool = False) -> PageTurn | str:
        """Like ``send``, but an error the page shows is returned (its text), not raised."""
        from playwright.sync_api import expect

        assistant, users = self.locate("assistant_message"), self.locate("user_message")
        before, users_before = assistant.count(), users.count()
        stale_error = bool(self.error_text())
        self.type(text)
        if click:
            self.locate("send").click()
        else:
            self.locate("input").press("Enter")
        arrived = assistant.nth(before)
        if not stale_error:
            arrived = arrived.or_(self.shown("error"))
        self._expect(
            lambda ms: expect(arrived.first).to_be_attached(timeout=ms),
            "assistant_message",
            f"neither a reply to {text!r} nor an error appeared",
        )
        if assistant.count() == before:
            return self.error_text()
        sent = expect(users.nth(users_before))
        self._expect(
            lambda ms: sent.to_contain_text(text, timeout=ms),
            "user_message",
            f"the message {text!r} is not shown in the chat log as sent",
        )
        parts = [" ".join(t.split()) for t in assistant.all_inner_texts()[before:]]
        return PageTurn(text, "\n\n".join(parts), parts)

    def rate(self, rating: int) -> str:
        """Rate the latest answer; the text the page confirms with. A refusal the page shows
        is an AssertionError quoting it."""
        from playwright.sync_api import expect

        control = self.locate("feedback").last
        self._expect(
            lambda ms: expect(control).to_be_visible(timeout=ms),
            "feedback",
            "no rating control after the answer",
        )
        choice = self.locate("rating", within=control, rating=rating)
        self._expect(
            lambda ms: expect(choice).to_be_visible(timeout=ms),
            "rating",
            f"no control for rating {rating}",
        )
        choice.click()
        outcome = self.shown("feedback_status").or_(self.shown("error"))
        self._expect(
            lambda ms: expect(outcome.first).to_be_attached(timeout=ms),
            "feedback_status",
            f"the page neither confirmed nor refused rating {rating}",
        )
        if error := self.error_text():
            raise AssertionError(f"the page refused rating {rating}: {error}")
        return " ".join(self.shown("feedback_status").all_inner_texts()).strip()

    def chat_requests(self, path: str) -> list[Request]:
        """The finished POST requests the page sent to the chat endpoint, oldest first."""
        from urllib.parse import urlsplit

        return [r for r in self.requests if r.method == "POST" and urlsplit(r.url).path == path]
