"""The chat page served at ``GET /``, and the regressed variants the page faults serve
(``a11y``, ``no_feedback``, ``html_replies``).

The ``a11y`` fault edits the accessible page instead of shipping a second copy, so the two can
never drift apart; ``render_page`` fails loudly if an edit no longer applies.
"""

from __future__ import annotations

from pathlib import Path

from taxbot.faults import Faults

INDEX = Path(__file__).with_name("static") / "index.html"

INACCESSIBLE_CSS = """
  /* a11y fault: low-contrast text and no focus indicator */
  body, .message.assistant, .feedback legend, .empty, .status { color: #b4b9c0; }
  .message.user { background: #9db4ec; }
  :focus, :focus-visible { outline: none; }
</style>"""

# (accessible markup, regressed markup) pairs applied by the a11y fault.
A11Y_REGRESSIONS = (
    ('<html lang="en">', "<html>"),
    ('<label for="chat-input">Your question</label>', ""),
    ('role="log" aria-live="polite" aria-label="Conversation"', ""),
    ("</style>", INACCESSIBLE_CSS),
)
FEEDBACK_MODE = 'data-feedback="buttons"'
# html_replies: chat messages are written into the page as HTML, so markup in them runs.
HTML_REPLIES = ("body.textContent = text;", "body.innerHTML = text;")

# a11y_speakers: no spoken speaker prefix, and both speakers on the same side with the same
# border, so only the background colour tells them apart.
SPEAKERS_REGRESSIONS = (
    ('who.textContent = role === "user" ? "You said: " : "TaxBot said: ";', ""),
    (
        "</style>",
        "  .message.user { align-self: flex-start; border: 1px solid var(--line); }\n</style>",
    ),
)
# a11y_live: the conversation is a plain region, so new messages are not announced.
LIVE_REGRESSIONS = (('role="log" aria-live="polite"', 'role="region" aria-live="off"'),)
# a11y_focus: after sending, focus stays wherever it was (on Send, for a keyboard user).
FOCUS_REGRESSIONS = (
    (
        'log.removeAttribute("aria-busy");\n      input.focus();',
        'log.removeAttribute("aria-busy");',
    ),
)
# lose_session: the page forgets the session the server made, so every turn starts a new one.
KEEP_SESSION = ("sessionId = reply.session_id;", "/* lose_session fault: session not kept */")


def render_page(faults: Faults) -> str:
    """The page for this fault set: accessible buttons, inaccessible divs, or no feedback."""
    html = INDEX.read_text(encoding="utf-8")
    edits = list(A11Y_REGRESSIONS) if faults.a11y else []
    edits += list(SPEAKERS_REGRESSIONS) if faults.a11y_speakers else []
    edits += list(LIVE_REGRESSIONS) if faults.a11y_live and not faults.a11y else []
    edits += list(FOCUS_REGRESSIONS) if faults.a11y_focus else []
    mode = "none" if faults.no_feedback else "divs" if faults.a11y else "buttons"
    edits.append((FEEDBACK_MODE, f'data-feedback="{mode}"'))
    if faults.html_replies:
        edits.append(HTML_REPLIES)
    if faults.lose_session:
        edits.append(KEEP_SESSION)
    for old, new in edits:
        if html.count(old) != 1:
            raise RuntimeError(f"{INDEX}: expected exactly one {old!r} to edit")
        html = html.replace(old, new)
    return html
