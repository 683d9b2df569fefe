"""The shared, deterministic "brain" of the fake chatbots.

A pure function of the user messages so far, so that every fake answers the same way whatever
contract it speaks, and a test can predict each reply exactly. It is deliberately a different
bot from taxbot (its own wording and its own disclaimer) so the harness is proven not to rely on
taxbot's texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DISCLAIMER = "General information only, not tax advice. Confirm details with your local tax office."

HANDOFF = "Connecting you with a person now."
GREETING = (
    "Hello! Ask me a general question about property tax, such as rates, due dates, "
    "payments, appeals or exemptions."
)
OUT_OF_SCOPE = (
    "That is outside what this assistant covers; it answers general questions about property tax."
)

# Tax answers inform and never promise an outcome; the first topic that matches wins.
TAX_ANSWERS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"appeal", "appeals", "appealing"}),
        "Appeals usually go to the local board of review within a fixed window after the "
        "assessment notice; the outcome depends on the evidence and the board's decision.",
    ),
    (
        frozenset({"exemption", "exemptions", "exempt"}),
        "Many places offer exemptions, for example for a primary residence, seniors or veterans; "
        "eligibility and amounts vary by jurisdiction.",
    ),
    (
        frozenset({"due", "pay", "paying", "payment", "payments", "deadline"}),
        "Property tax bills list the due dates and the accepted ways to pay; late payments can "
        "carry penalties and interest.",
    ),
    (
        frozenset({"rate", "rates", "levy", "levies", "millage"}),
        "The tax rate, or levy, is set each year by the local taxing bodies and applied to the "
        "assessed value after exemptions.",
    ),
    (
        frozenset({"assessment", "assessments", "assessed", "assessor", "valuation"}),
        "The assessment estimates your property's value for tax purposes; the notice explains "
        "how it was set and how to question it.",
    ),
    (
        frozenset({"tax", "taxes", "taxed", "taxation"}),
        "Property tax is the assessed value of your property times the local rate, less any "
        "exemptions; your bill shows the breakdown.",
    ),
)

_WORD = re.compile(r"[a-z']+")
_NAME = re.compile(r"\bmy name is\s+([A-Za-z][A-Za-z'-]*)", re.IGNORECASE)
# "person" counts unless it is "in person" (paying in person is a tax question, not a handoff).
_HANDOFF = re.compile(r"\b(?:humans?|agents?|representatives?|(?<!\bin )(?:person|people))\b")
_GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "greetings", "morning", "evening"})


def reply(history: Sequence[str], *, disclaimer: bool = True) -> list[str]:
    """Reply parts for the newest message of ``history`` (user messages, oldest first).

    A name given earlier ("my name is Ana") prefixes later replies with "Ana, ", which proves the
    caller kept the conversation: turn 2's reply depends on turn 1. ``disclaimer=False`` is the
    ``no_disclaimer`` fault: tax answers lose their disclaimer part.
    """
    message = history[-1] if history else ""
    name = _last_name(history[:-1])
    text = message.lower()
    words = set(_WORD.findall(text))

    if wants_human(message):
        parts = [HANDOFF]
    elif answer := _tax_answer(words):
        parts = [answer, DISCLAIMER] if disclaimer else [answer]
    elif new_name := _last_name([message]):
        return [f"Nice to meet you, {new_name}. {GREETING.removeprefix('Hello! ')}"]
    elif words & _GREETINGS:
        parts = [GREETING]
    else:
        parts = [OUT_OF_SCOPE]

    if name:
        parts[0] = f"{name}, {parts[0][0].lower()}{parts[0][1:]}"
    return parts


def wants_human(message: str) -> bool:
    """Does this message ask for a person (the fakes flag the handoff their own way)?"""
    return _HANDOFF.search(message.lower()) is not None


def _tax_answer(words: set[str]) -> str | None:
    for keywords, answer in TAX_ANSWERS:
        if words & keywords:
            return answer
    return None


def _last_name(messages: Sequence[str]) -> str | None:
    for message in reversed(messages):
        if found := _NAME.findall(message):
            name = found[-1]
            return name[0].upper() + name[1:]
    return None
