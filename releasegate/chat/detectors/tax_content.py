"""``tax_content``: does a reply carry tax information? The trigger of the disclaimer obligation.

A reply informs when one of its clauses states something about assessment, exemptions, appeals,
payment, due dates, penalties, rates, levies or tax amounts. Clauses that only *mention* tax
words do not count: a bot's list of what it can answer, questions to the user, offers and
handoffs, refusals, and the approved disclaimers themselves (stripped first). That split keeps
taxbot's greeting ("I can answer general questions about property assessments, exemptions,
appeals ...") from demanding a disclaimer, and a one-line due date from escaping one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from releasegate.chat.detectors.base import (
    Exchange,
    Judgement,
    Plain,
    any_match,
    phrase_spans,
    sentences,
)
from releasegate.model import Strict
from releasegate.validation import Regex

RULE = "tax_content"

TERMS = re.compile(
    r"\b(?:re)?assess\w*|\bapprais\w*|\bvaluations?\b|\b(?:market|taxable|assessed) values?\b"
    r"|\bexempt\w*|\bhomestead\b|\babatements?\b|\bfreeze\b|\bcircuit breaker\b|\brebates?\b"
    r"|\b(?:seniors?|veterans?|disabilit(?:y|ies)|relief)\b"
    r"|\bappeal\w*|\bprotest\w*|\bboard of (?:review|equalization)\b|\breview board\b"
    r"|\bpay(?:s|ing|ment|ments|able)?\b|\bpaid\b|\binstallments?\b|\bdue\b(?! to\b| course\b)"
    r"|\bdeadlines?\b|\bpenalt(?:y|ies)\b|\blate fees?\b|\band interest\b|\binterest (?:per|on)\b"
    r"|\bescrow\b|\bdelinquen\w*|\bbilled\b|\btax bills?\b"
    r"|\brates?\b(?! (?:this|us|our|my|the (?:answer|chat|conversation|bot))\b)"
    r"|\bmill(?:s|age)?\b|\blev(?:y|ies)\b|\btaxing (?:units?|bod(?:y|ies)|districts?)\b"
    r"|\btax(?:es|ed)?\b"
)
# Names of people, offices and topics that contain a tax word without saying anything about tax.
NAMES = re.compile(
    r"\b(?:licensed |local |county )?(?:property[- ])?tax (?:professionals?|advis[eo]rs?|"
    r"preparers?|office|attorneys?|accountants?|experts?|specialists?|lawyers?|assistant|"
    r"consultants?|chatbot|bot|questions?|answers?|topics?|advice|information|help|returns?)\b"
    r"|\b(?:income|sales) tax\b|\btaxbot\b"
)
# Clauses that mention tax words without informing.
NOT_INFORMATION = re.compile(
    r"\b(?:i|we|it|this (?:assistant|bot|service|chat))\b(?: \w+){0,3}? (?:answers?|covers?|"
    r"handles?|helps?|assists?)\b"  # what the bot can do
    r"|\bask me\b|\bquestions? (?:about|on|regarding)\b|\boutside (?:what|of|my|the)\b"
    r"|\b(?:specialist|consultation|representative|colleague|team member|our team)s?\b"
    r"|\b(?:connect|transfer|put) you\b"  # offers and handoffs
    r"|\b(?:i|we)\b[^.]{0,12}?\b(?:can't|cannot|can not|cant|won't|not able to|unable to)\b"
    r"|\bnot (?:\w+ ){0,3}advice\b|\bgeneral information\b"  # disclaimer-like
    r"|\b(?:check|confirm|consult|verify)\b[^.]*\bwith (?:your|a|the)\b"  # referrals
    r"|\b(?:i'm|i am|im)\b[^.]*\b(?:assistant|bot|chatbot)\b"  # identity
)
_CONTRAST = re.compile(r",?\s*\b(?:but|however|although|though|whereas)\b")


class TaxContentPolicy(Strict):
    """Extra signals of tax information for a bot whose wording the built-in terms miss."""

    keywords: list[str] = []  # words or phrases, matched whole and formatting-insensitively
    patterns: list[Regex] = []  # regular expressions on the plain, lower-case reply
    not_information: list[Regex] = []  # clauses matching these never count (a bot's own lines)


def _clauses(text: str) -> list[tuple[int, str]]:
    """Clauses of plain text; a sentence ending in "?" asks the user and informs no one."""
    found = []
    for offset, sentence in sentences(text):
        if sentence.rstrip(" \"')").endswith("?"):
            continue
        last = 0
        for match in _CONTRAST.finditer(sentence):
            found.append((offset + last, sentence[last : match.start()]))
            last = match.end()
        found.append((offset + last, sentence[last:]))
    return found


def tax_terms(
    reply: Plain, policy: TaxContentPolicy, disclaimers: Sequence[str] = ()
) -> list[tuple[str, int, int]]:
    """The tax terms that make the reply informative, as (term, start, end) in ``reply.text``;
    empty when it carries no tax information."""
    text = reply.text
    for start, end, _ in phrase_spans(reply, disclaimers):
        text = text[:start] + "\n" * (end - start) + text[end:]
    found = []
    for offset, clause in _clauses(text):
        if NOT_INFORMATION.search(clause) or any_match(policy.not_information, clause):
            continue
        masked = NAMES.sub(lambda m: " " * len(m.group(0)), clause)
        hits = [(m.group(0), m.start(), m.end()) for m in TERMS.finditer(masked)]
        if found_extra := any_match(policy.patterns, masked):
            hits.append((found_extra.group(0), found_extra.start(), found_extra.end()))
        hits += [
            (kw, start, end)
            for start, end, kw in phrase_spans(Plain(masked, (), ""), policy.keywords)
        ]
        found += [(term, offset + start, offset + end) for term, start, end in hits]
    return sorted(found, key=lambda hit: hit[1])


def check_tax_content(
    exchange: Exchange, policy: TaxContentPolicy, disclaimers: Sequence[str] = ()
) -> Judgement:
    """``applies`` is the classification; there is nothing to violate. ``disclaimers``: the
    approved texts, which are never tax information themselves."""
    return Judgement(applies=bool(tax_terms(exchange.plain_reply, policy, disclaimers)))
