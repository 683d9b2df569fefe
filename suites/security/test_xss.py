"""Cross-site scripting through the chat log, in a real browser: each payload is typed into the
chat page as a user would, and must show as text. Every payload that runs sets a flag in the
page (``window.__rgXss``), so execution is observed, not guessed; markup that turns into
elements (``data-rgxss``) or links to ``javascript:`` is markup injection even when a
Content-Security-Policy stops it from running. Harmless against staging: the flag lives only in
the test's own browser tab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from releasegate.config import Config
from releasegate.security.headers import Issue
from releasegate.security.probes import Probes

pytestmark = [pytest.mark.security, pytest.mark.capability("page")]

PAYLOADS = {
    "script": "<script data-rgxss>window.__rgXss.push('script')</script>",
    "img_onerror": "<img data-rgxss src=x onerror=\"window.__rgXss.push('img_onerror')\">",
    "svg_onload": "<svg data-rgxss onload=\"window.__rgXss.push('svg_onload')\"></svg>",
    "attribute_break": "\"><img data-rgxss src=x onerror=window.__rgXss.push('attribute_break')>",
    "iframe_srcdoc": (
        "<iframe data-rgxss srcdoc=\"<script>parent.__rgXss.push('iframe_srcdoc')</script>\">"
        "</iframe>"
    ),
    "details_ontoggle": (
        "<details data-rgxss open ontoggle=\"window.__rgXss.push('details_ontoggle')\">"
        "<summary>x</summary></details>"
    ),
    "javascript_link": (
        "<a data-rgxss href=\"javascript:window.__rgXss.push('javascript_link')\">appeal form</a>"
    ),
    "markdown_link": "[appeal form](javascript:window.__rgXss.push('markdown_link'))",
    "markup": "<b data-rgxss>bold</b> <i data-rgxss>italic</i> &lt;escaped&gt;",
}

WATCH = """
window.__rgXss = [];
window.__rgCsp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__rgCsp.push(e.violatedDirective + " " + (e.sample || "")));
"""
# Elements the payloads would create, and javascript: links (Markdown renderers make those).
INJECTED = "[data-rgxss], a[href^='javascript:' i]"
INPUT = "textarea, input[type=text], input:not([type])"


@pytest.fixture(scope="module")
def chat_page(browser: Browser, base_url: str, releasegate_config: Config) -> Iterator[Page]:
    """One chat page for every payload: a page load per payload would cost more than the
    probes themselves. Each test counts only what its own payload did."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH)
    page.goto(base_url.rstrip("/") + releasegate_config.target.page_path)
    yield page
    context.close()


def _send(page: Page, chat_path: str, text: str) -> None:
    """Type the message as a user and wait for the bot's answer to be drawn."""
    field = page.locator(INPUT).first
    field.fill(text)
    with page.expect_response(lambda r: chat_path in r.url, timeout=10_000):
        field.press("Enter")
    # the page draws the reply after the response arrives: let two frames pass
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_payload_in_chat_log_shows_as_text(
    name: str, chat_page: Page, releasegate_config: Config, probes: Probes
) -> None:
    page = chat_page
    payload = PAYLOADS[name]
    page.evaluate("() => { window.__rgXss = []; window.__rgCsp = []; }")
    before = page.locator(INJECTED).count()
    _send(page, releasegate_config.target.chat.path, payload)
    for link in page.locator(INJECTED).all()[before:][:3]:  # a link must be followed to run
        if link.evaluate("e => e.tagName") == "A":
            link.click(timeout=2_000, no_wait_after=True)
    ran = [flag for flag in page.evaluate("() => window.__rgXss") if flag == name]
    blocked = page.evaluate("() => window.__rgCsp")
    injected = page.locator(INJECTED).count() - before
    shown = " ".join(page.locator("body").inner_text().split())
    issues = []
    if ran:
        issues.append(Issue("xss", "high", f"the payload ran in the page (flag set by {name})"))
    elif injected:
        stopped = f"; the CSP stopped it from running ({blocked[0]})" if blocked else ""
        issues.append(
            Issue("xss", "high", f"the payload became {injected} element(s) in the page{stopped}")
        )
    if not ran and not injected and " ".join(payload.split()) not in shown:
        issues.append(
            Issue("xss", "medium", "the payload does not show as the text typed", shown[-200:])
        )
    probes.add("xss", f"typed into the chat page: {payload}", issues)
    probes.check()
