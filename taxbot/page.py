"""The chat page served at ``GET /``, and the regressed variants the page faults serve.

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
# lose_session: the page forgets the session the server made, so every turn starts a new one.
KEEP_SESSION = ("sessionId = reply.session_id;", "/* lose_session fault: session not kept */")


def render_page(faults: Faults) -> str:
    """The page for this fault set: accessible buttons, inaccessible divs, or no feedback."""
    html = INDEX.read_text(encoding="utf-8")
    edits = list(A11Y_REGRESSIONS) if faults.a11y else []
    mode = "none" if faults.no_feedback else "divs" if faults.a11y else "buttons"
    edits.append((FEEDBACK_MODE, f'data-feedback="{mode}"'))
    if faults.lose_session:
        edits.append(KEEP_SESSION)
    for old, new in edits:
        if html.count(old) != 1:
            raise RuntimeError(f"{INDEX}: expected exactly one {old!r} to edit")
        html = html.replace(old, new)
    return html
