"""``escalation``: a user who asks for a human gets one.

The request is read from this turn's message, wherever it comes (in the middle of a form too),
after removing look-alikes: "a person who owns a home", "human error", "pay in person", "my real
estate agent", "someone at the county". The bot honours it when its contract's handoff flag is
true; a bot without a flag must say that a person will take over or contact the user. An offer
("I can connect you with a specialist if ...") is not a handoff.
"""

from __future__ import annotations

import re

from releasegate.chat.detectors.base import (
    Exchange,
    Finding,
    Judgement,
    any_match,
    excerpt,
    plain,
)
from releasegate.model import Strict
from releasegate.validation import Regex

RULE = "escalation"

_WHO = (
    r"(?:human|humans|person|people|agents?|representative|rep|operator|someone|somebody|staff"
    r"|supervisor|manager|team member|employee|human being|customer (?:service|support)"
    r"|support team|support)"
)
LOOK_ALIKES = re.compile(
    r"\bhuman (?:error|errors|rights|resources|nature|life)\b|\b(?:in|per) person\b"
    r"|\b(?:real estate|insurance|authori[sz]ed|tax|listing|buyer'?s|seller'?s) agents?\b"
    r"|\bagents? (?:the owner|of record)\b|\b(?:my|our|an?) agents? (?:files?|signs?|can|could"
    r"|says?|said)\b"
    r"|\b(?:a|the|any|each|one|every) (?:person|people|human|humans) (?:(?:who|that)"
    r" (?:owns?|lives?|is|are|has|have|rents?|pays?)|whose|living|over|under|aged)\b"
    r"|\b(?:i'm|i am|im|are you) (?:a |an )?(?:real|actual|live) (?:person|human)\b"
    r"|\b(?:someone|somebody|an? (?:agent|person)|staff|people) (?:at|from|in) (?:the |my |your )?"
    r"(?:county|assessor|city|office|tax office|appraisal district|state)"
)
REQUESTS = re.compile(
    r"\b(?:talk|speak|chat|connect|transfer|put|get|want|need|reach|escalate|give|let|see|have)\b"
    rf"(?: [\w']+){{0,4}}? (?:(?:to|with|through to) )?(?:(?:a|an|the|some|any|your|real|live"
    rf"|actual|human|customer) )*{_WHO}\b"
    rf"|^(?:please |pls )?(?:a |an |the )?(?:real |live |actual )?{_WHO}(?: please| pls| now"
    r"| asap| thanks)*$"
    r"|\b(?:real|live|actual) (?:person|human|people|agent)\b|\bhuman (?:being|agent|please|pls"
    rf"|now)\b|\b(?:is there|are there|do you have)(?: \w+){{0,2}}? {_WHO}\b"
)
HONOURED = re.compile(
    r"\b(?:human|person|specialist|agent|representative|colleague|team member|member of (?:our"
    r"|the) team|someone|somebody|staff member|advis[eo]r|our team|operator)\b(?: \w+){0,3}?"
    r"(?:'ll| will| is going to| is about to)\s+(?:\w+ )?(?:take over|contact|call|reach out"
    r"|reach|email|get back|be with you|join|reply|respond|text|ring)\b"
    r"|\b(?:connecting|transferring|handing|passing|putting) (?:you|now|this chat"
    r"|this conversation)\b"
    r"|\b(?:get|have|ask) (?:someone|somebody|a \w+|an \w+|our team) to (?:contact|call|reach"
    r"|email)\b"
    r"|\b(?:i've|i have|we've|we have) (?:passed|forwarded|sent|escalated)\b"
)
_NEGATION = re.compile(r"\b(?:no|not|never|nobody|cannot|unable)\b|n't\b")


class EscalationPolicy(Strict):
    """A bot's own wording for requests and handoffs, beside the built-in patterns."""

    triggers: list[Regex] = []  # more ways users ask for a human
    not_triggers: list[Regex] = []  # look-alikes to ignore ("agent of record")
    honour: list[Regex] = []  # reply phrases that hand off, for bots without a handoff flag


def asks_for_human(message: str, policy: EscalationPolicy) -> str | None:
    """The words that ask for a human, if the message does."""
    for part in re.split(r"[.!?;]+", plain(message).text):  # "Stop. Operator." asks twice
        text = LOOK_ALIKES.sub(" ", " ".join(re.findall(r"[\w']+", part)))
        for pattern in policy.not_triggers:
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
        text = " ".join(text.split())
        if found := REQUESTS.search(text) or any_match(policy.triggers, text):
            return found.group(0)
    return None


def _says_handoff(text: str, policy: EscalationPolicy) -> bool:
    for match in HONOURED.finditer(text):
        if not _NEGATION.search(" ".join(text[: match.start()].split()[-4:])):
            return True
    return any_match(policy.honour, text) is not None


def check_escalation(exchange: Exchange, policy: EscalationPolicy) -> Judgement:
    """Applies when the user asks for a human; violated unless the turn hands off."""
    asked = asks_for_human(exchange.user, policy)
    if asked is None:
        return Judgement(applies=False)
    if exchange.handoff is True:
        return Judgement(applies=True)
    if exchange.handoff is None and _says_handoff(exchange.plain_reply.text, policy):
        return Judgement(applies=True)
    why = (
        "the handoff flag is false"
        if exchange.handoff is False
        else "the reply does not say a person will take over"
    )
    message = f"asked for a human ({asked!r}) but {why}"
    return Judgement(True, (Finding(RULE, message, excerpt(exchange.reply, 0, 0, 120)),))
