"""The page states an audit scans: each configured page as loaded, and the chat page in the
states users actually see (empty, after a multi-turn conversation, with the feedback control
open, after an error reply, after a handoff), driven through the page itself with the keyboard.

A state that cannot be reached (HTTP 4xx/5xx, a timeout, a chat part that never appears) raises
:class:`Unreachable` with the reason; the audit records it as not scanned, never as clean."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from releasegate.a11y.findings import Hit
from releasegate.a11y.probe import instrument
from releasegate.a11y.settings import A11ySettings
from releasegate.chat.page import PageSelectors, locate

LOADED = "loaded"


class Unreachable(Exception):
    """The page or state could not be reached; the message says why, in one line."""


@dataclass(frozen=True)
class Target:
    """One page state to audit."""

    page: str  # path
    state: str  # "loaded" or a chat state

    @property
    def id(self) -> str:
        return f"{self.page}[{self.state}]"


def targets(settings: A11ySettings, chat_page: str | None) -> list[Target]:
    """The configured pages, then the chat page's states (when the target has a page)."""
    found = [Target(page, LOADED) for page in settings.pages]
    if chat_page is not None:
        found += [Target(chat_page, state) for state in settings.chat_states]
    return found


def open_page(page: Page, base_url: str, path: str, timeout_s: float) -> None:
    """Navigate and wait for the page to settle; an error status or a timeout is Unreachable."""
    instrument(page)
    url = urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))
    try:
        response = page.goto(url, wait_until="load", timeout=timeout_s * 1000)
    except PlaywrightError as exc:
        raise Unreachable(f"{path} did not load: {str(exc).splitlines()[0]}") from None
    if response is None:
        raise Unreachable(f"{path}: no response")
    if response.status >= 400:
        raise Unreachable(f"{path} answered HTTP {response.status}")


def _send(page: Page, selectors: PageSelectors, text: str, timeout_s: float) -> None:
    """Type a message and press Send; wait for the reply (one more assistant message). The
    keyboard's way of sending is judged by the keyboard checks, not needed to reach a state."""
    replies = locate(page, selectors.assistant_message)
    before = replies.count()
    try:
        locate(page, selectors.input).fill(text, timeout=timeout_s * 1000)
        locate(page, selectors.send).click()
        replies.nth(before).wait_for(timeout=timeout_s * 1000)
    except PlaywrightError as exc:
        raise Unreachable(f"no reply to {text!r}: {str(exc).splitlines()[0]}") from None


def reach(
    page: Page,
    base_url: str,
    target: Target,
    settings: A11ySettings,
    chat_path: str,
    sel: PageSelectors,
) -> None:
    """Bring a fresh page into the target's state."""
    open_page(page, base_url, target.page, settings.timeout_s)
    wait = settings.timeout_s * 1000
    if target.state in (LOADED, "empty"):
        if target.state == "empty" and locate(page, sel.input).count() == 0:
            raise Unreachable(f"{target.page}: no chat input matches {sel.input!r}")
        return
    if target.state == "conversation":
        for text in settings.conversation:
            _send(page, sel, text, settings.timeout_s)
    elif target.state == "feedback":
        _send(page, sel, settings.conversation[-1], settings.timeout_s)
        try:
            locate(page, sel.feedback).last.wait_for(timeout=wait)
        except PlaywrightError:
            raise Unreachable(f"no feedback control matching {sel.feedback!r} appeared") from None
        controls = locate(page, sel.feedback).last.locator("button, [role=button], input")
        if controls.count():  # open it as a keyboard user would: focus on its first control
            controls.first.focus()
    elif target.state == "error":
        page.route(urljoin(base_url.rstrip("/") + "/", chat_path.lstrip("/")), _fail)
        locate(page, sel.input).fill(settings.conversation[0])
        locate(page, sel.input).press("Enter")
        try:
            locate(page, sel.error).filter(has_text=re.compile(r"\S")).wait_for(timeout=wait)
        except PlaywrightError:
            raise Unreachable(f"no error message in {sel.error!r} after a failed reply") from None
    elif target.state == "handoff":
        _send(page, sel, settings.handoff_message, settings.timeout_s)
        try:
            locate(page, sel.handoff_notice).first.wait_for(timeout=wait)
        except PlaywrightError:
            raise Unreachable(
                f"no handoff notice matching {sel.handoff_notice!r} appeared"
            ) from None


def _fail(route: Route) -> None:
    """The chat API answering a server error, for the error state."""
    body = {"error": {"code": "internal_error", "message": "Internal server error"}}
    route.fulfill(status=500, content_type="application/json", body=json.dumps(body))


RETURN_MS = 100  # after the reply, how long focus may take to come back to the input
_FOCUSED = "(el) => el === document.activeElement"


def _focus_back(page: Page, box: Locator) -> bool:
    """Is focus in the input, now or within RETURN_MS (no fixed sleep when it already is)?"""
    if box.evaluate(_FOCUSED):
        return True
    try:
        page.wait_for_function(_FOCUSED, arg=box.element_handle(), timeout=RETURN_MS)
    except PlaywrightTimeoutError:
        return False
    return True


def send_by_keyboard(page: Page, settings: A11ySettings, sel: PageSelectors) -> list[Hit]:
    """Enter in the input sends; sending with the Send button returns focus to the input."""
    from releasegate.a11y.keyboard import hit

    hits: list[Hit] = []
    box = locate(page, sel.input)
    where = {"path": sel.input, "html": box.evaluate("(el) => el.outerHTML")}
    replies = locate(page, sel.assistant_message)
    before = replies.count()
    box.fill(settings.conversation[0])
    box.press("Enter")
    try:
        replies.nth(before).wait_for(timeout=settings.timeout_s * 1000)
    except PlaywrightError:
        return [
            hit(
                "enter-does-not-send",
                "serious",
                where,
                "pressing Enter in the chat input sends nothing",
                ["2.1.1"],
            )
        ]
    box.fill(settings.conversation[1])
    locate(page, sel.send).focus()
    page.keyboard.press("Enter")
    try:
        replies.nth(before + 1).wait_for(timeout=settings.timeout_s * 1000)
    except PlaywrightError:
        return [
            hit(
                "send-button-keyboard",
                "serious",
                {"path": sel.send, "html": ""},
                "Enter on the Send button sends nothing",
                ["2.1.1"],
            )
        ]
    if not _focus_back(page, box):
        active = page.evaluate("() => window.__rg ? (window.__rg.active() || {}).path : ''")
        hits.append(
            hit(
                "focus-not-returned",
                "serious",
                where,
                "after sending, focus stays "
                + (f"on {active}" if active else "nowhere")
                + " instead of returning to "
                "the chat input",
                ["2.4.3"],
            )
        )
    return hits
