"""Screen-reader structure: headings and a main landmark (axe counts them only as best
practice), clickable elements that have no role, and on the chat page a log that is a live
region, speakers that a screen reader can tell apart (from Playwright's ARIA snapshot of each
message) and that the eye can tell apart by more than colour."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from releasegate.a11y.findings import Hit, shorten
from releasegate.chat.page import PageSelectors, locate
from releasegate.evidence.kinds.a11y import Impact


def hit(
    rule: str, impact: Impact, selector: str, message: str, criteria: list[str], html: str = ""
) -> Hit:
    return Hit(
        source="structure",
        rule=rule,
        impact=impact,
        level="block",
        selector=selector,
        message=message,
        html=shorten(html),
        criteria=criteria,
        engines=["releasegate"],
    )


PAGE = """() => {
  const rg = window.__rg;
  const headings = document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]');
  const main = document.querySelector('main, [role="main"]');
  const roleless = window.__rg.inventory().clickables.filter((c) => !c.role);
  return {headings: [...headings].filter(rg.visible).length, main: !!main, roleless};
}"""


def page_structure(page: Page) -> list[Hit]:
    found = page.evaluate(PAGE)
    hits = []
    if not found["headings"]:
        hits.append(
            hit(
                "no-headings",
                "moderate",
                "html",
                "the page has no visible heading",
                ["1.3.1", "2.4.6"],
            )
        )
    if not found["main"]:
        hits.append(
            hit(
                "no-main-landmark",
                "moderate",
                "html",
                "the page has no main landmark (<main> or role=main)",
                ["1.3.1"],
            )
        )
    hits += [
        hit(
            "clickable-without-role",
            "serious",
            el["path"],
            "acts on click but exposes no role or name to assistive technology",
            ["4.1.2"],
            el["html"],
        )
        for el in found["roleless"]
    ]
    return hits


# Is an element announced when it changes: inside a live region or a log, not hidden?
_IS_LIVE = """(el) => {
    for (let n = el; n; n = n.parentElement) {
      const role = n.getAttribute("role");
      const aria = n.getAttribute("aria-live");
      if (n.getAttribute("aria-hidden") === "true") return false;
      if (aria === "off") return false;
      if (aria === "polite" || aria === "assertive") return true;
      if (role === "log" || role === "status" || role === "alert") return true;
    }
    return false;
  }"""
# The first log, or null when there is none: counted and read in one call.
LIVE = f"""(logs) => {{
  const live = {_IS_LIVE};
  const log = logs[0];
  return log ? {{html: log.outerHTML.slice(0, 200), logLive: live(log),
                busy: log.getAttribute("aria-busy") === "true"}} : null;
}}"""
SILENT = f"""(messages) => {{
  const live = {_IS_LIVE};
  return messages.filter((m) => !live(m)).length;
}}"""


def live_log(page: Page, selectors: PageSelectors) -> list[Hit]:
    """The conversation is a log or live region, so each new message is announced."""
    log = locate(page, selectors.log)
    found = log.evaluate_all(LIVE)
    if found is None:
        return [
            hit(
                "chat-log-missing",
                "serious",
                selectors.log,
                f"no chat log matches target.page.log = {selectors.log!r}",
                ["1.3.1"],
            )
        ]
    messages = locate(log.first, selectors.user_message).or_(
        locate(log.first, selectors.assistant_message)
    )
    if not found["logLive"] or messages.evaluate_all(SILENT):
        return [
            hit(
                "chat-log-not-announced",
                "serious",
                selectors.log,
                "the conversation is not a log or live region (role=log or aria-live): "
                "new messages are not announced to screen readers",
                ["4.1.3"],
                found["html"],
            )
        ]
    if found["busy"]:
        return [
            hit(
                "chat-log-busy",
                "moderate",
                selectors.log,
                "the conversation stays aria-busy after the reply: updates are held back",
                ["4.1.3"],
                found["html"],
            )
        ]
    return []


VISIBLE_TEXT = """(el) => {
  const hidden = (n) => {
    for (; n && n !== el.parentElement; n = n.parentElement) {
      if (n.getAttribute("aria-hidden") === "true") return true;
      const r = n.getBoundingClientRect();
      const s = getComputedStyle(n);
      if ((r.width <= 1 && r.height <= 1) || s.clip === "rect(0px, 0px, 0px, 0px)"
          || s.clipPath === "inset(50%)") return true;
    }
    return false;
  };
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!hidden(t.parentElement)) parts.push(t.textContent);
  }
  return parts.join(" ");
}"""


def _words(text: str) -> list[str]:
    return re.sub(r"[\"'\-:]", " ", text).lower().split()


def speaker_cue(snapshot: str, visible: str) -> str:
    """What a screen reader hears of a message besides its visible words: hidden speaker
    prefixes, roles, names (Playwright's ARIA snapshot, minus the visible text)."""
    left = _words(visible)
    cue = []
    for word in _words(snapshot):
        if word in left:
            left.remove(word)
        else:
            cue.append(word)
    return " ".join(cue)


STYLE = """(el) => {
  const s = getComputedStyle(el);
  const parent = el.parentElement.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const left = r.left - parent.left, right = parent.right - r.right;
  const side = r.width > 0.9 * parent.width ? "full" : left <= right ? "start" : "end";
  const before = getComputedStyle(el, "::before").content;
  return [side, s.textAlign, s.borderStyle, s.borderWidth, s.borderRadius, s.fontWeight,
          s.fontStyle, s.backgroundImage, before, s.paddingLeft].join("|");
}"""


def speakers(page: Page, selectors: PageSelectors) -> list[Hit]:
    """User and assistant messages must differ for a screen reader (a speaker label, a role or
    name in the ARIA snapshot) and for the eye by more than colour (position, shape, border,
    label). Needs two messages of each speaker."""
    user = locate(page, selectors.user_message)
    bot = locate(page, selectors.assistant_message)
    users: list[dict[str, str]] = user.evaluate_all(MESSAGES)
    bots: list[dict[str, str]] = bot.evaluate_all(MESSAGES)
    count = min(len(users), len(bots))
    if count < 2:
        return [
            hit(
                "speakers-not-checked",
                "serious",
                selectors.log,
                f"need two user and two assistant messages to compare, found "
                f"{len(users)} and {len(bots)}",
                ["1.3.1"],
            )
        ]
    users, bots = users[:count], bots[:count]
    hits = []
    labelled = _visible_labels(users, bots)
    user_cues = {speaker_cue(user.nth(i).aria_snapshot(), m["text"]) for i, m in enumerate(users)}
    bot_cues = {speaker_cue(bot.nth(i).aria_snapshot(), m["text"]) for i, m in enumerate(bots)}
    if user_cues & bot_cues and not labelled:
        user_cue = sorted(user_cues & bot_cues)[0]
        hits.append(
            hit(
                "speakers-not-announced",
                "serious",
                selectors.user_message,
                "user and assistant messages read the same to a screen reader (no "
                f"speaker label, role or name besides the text: {user_cue or 'nothing'!r})",
                ["1.3.1"],
                users[0]["html"],
            )
        )
    user_look = {m["style"] for m in users}
    bot_look = {m["style"] for m in bots}
    if user_look & bot_look and not labelled:
        hits.append(
            hit(
                "speakers-colour-only",
                "serious",
                selectors.user_message,
                "user and assistant messages differ only in colour (same position, "
                "shape, border and no visible speaker label)",
                ["1.4.1"],
                users[0]["html"],
            )
        )
    return hits


# Each message's visible text and look in one call per speaker (the first one's HTML too).
MESSAGES = f"""(messages) => messages.map((el, i) => ({{
  text: ({VISIBLE_TEXT})(el), style: ({STYLE})(el), html: i === 0 ? el.outerHTML : "",
}}))"""


def _first_words(message: dict[str, str]) -> str:
    return " ".join(message["text"].split()[:2])


def _visible_labels(users: list[dict[str, str]], bots: list[dict[str, str]]) -> bool:
    """Do the messages start with a visible speaker label (the same per speaker, different
    between speakers)?"""
    user = {_first_words(m) for m in users}
    bot = {_first_words(m) for m in bots}
    return len(user) == 1 and len(bot) == 1 and user != bot
