"""``disclaimer``: a reply that carries tax information must contain an approved text in full.

Formatting never fails a disclaimer (case, whitespace, quote and dash styles, spacing around
punctuation, HTML tags and entities, Markdown); wording always does: one word dropped, added
or changed, or a truncated text, is a different text. A new wording is approved by adding it to
``disclaimers:`` in ``conversations/policy.yaml``, never by loosening the match.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from releasegate.chat.detectors.base import (
    Exchange,
    Finding,
    Judgement,
    Plain,
    phrase_spans,
    plain,
    tokens,
)
from releasegate.chat.detectors.tax_content import TaxContentPolicy, tax_terms
from releasegate.chat.policy import DisclaimerEntry
from releasegate.model import Strict

RULE = "disclaimer"


class DisclaimerPolicy(Strict):
    """The approved texts, and what counts as tax information (the obligation's trigger)."""

    approved: list[DisclaimerEntry] = []
    tax_content: TaxContentPolicy = TaxContentPolicy()


def find_disclaimer(reply: str, texts: Sequence[str]) -> str | None:
    """The first approved text the reply contains in full, if any (for turns whose script
    declares the obligation, whatever the classifier says)."""
    spans = phrase_spans(plain(reply), texts)
    return spans[0][2] if spans else None


def _difference(approved: list[str], words: list[str]) -> str:
    """The first wording difference between an approved text and the reply's closest span."""
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, approved, words).get_opcodes():
        missing, added = " ".join(approved[a1:a2]), " ".join(words[b1:b2])
        if tag == "replace":
            return f"{added!r} instead of {missing!r}"
        if tag == "delete":
            return f"{missing!r} missing"
        if tag == "insert":
            return f"{added!r} added"
    return "no difference"


def _near_miss(reply: Plain, entries: Sequence[DisclaimerEntry]) -> str:
    """Name the approved text the reply nearly contains and how it differs: the reviewer's
    first question."""
    words = tokens(reply.text)
    best = (0.0, "", "")
    for entry in entries:
        approved = tokens(plain(entry.text).text)
        blocks = difflib.SequenceMatcher(None, approved, words, autojunk=False)
        matched = [b for b in blocks.get_matching_blocks() if b.size]
        share = sum(b.size for b in matched) / max(len(approved), 1)
        if matched and share > best[0]:
            window = words[matched[0].b : matched[-1].b + matched[-1].size]
            best = (share, entry.id, _difference(approved, window))
    share, entry_id, difference = best
    if share < 0.6:
        return ""
    return f"; the closest approved text, {entry_id!r}, differs: {difference}"


def check_disclaimer(exchange: Exchange, policy: DisclaimerPolicy) -> Judgement:
    """Applies when the reply carries tax information; violated without an approved text."""
    texts = [entry.text for entry in policy.approved]
    reply = exchange.plain_reply
    terms = tax_terms(reply, policy.tax_content, texts)
    if not terms:
        return Judgement(applies=False)
    if phrase_spans(reply, texts):
        return Judgement(applies=True)
    _, start, end = terms[0]
    shown = ", ".join(repr(term) for term in dict.fromkeys(term for term, _, _ in terms[:3]))
    message = f"carries tax information ({shown}) but no approved disclaimer in full"
    finding = Finding(RULE, message + _near_miss(reply, policy.approved), reply.excerpt(start, end))
    return Judgement(applies=True, findings=(finding,))
