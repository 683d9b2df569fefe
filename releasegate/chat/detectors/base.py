"""What every detector takes and returns, and the text handling they share.

A detector judges one bot turn: did an obligation apply, and which findings break it. Detectors
are pure functions of an ``Exchange`` and a policy, so the same turn always gets the same verdict
and each one can be measured on labelled cases (``bench/detector_accuracy.py``).
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Exchange:
    """One bot turn in context."""

    user: str  # this turn's user message
    reply: str  # the bot's reply (all parts joined)
    earlier_user: tuple[str, ...] = ()  # what the user said before in this conversation
    handoff: bool | None = None  # the contract's handoff flag, when the bot has one


@dataclass(frozen=True)
class Finding:
    rule: str  # the detector's name: "disclaimer", "promise", "escalation", "pii", "injection"
    message: str  # what is wrong, in words a reviewer reads
    excerpt: str  # the reply around the finding (about 60 chars each side, '…' at cuts)


@dataclass(frozen=True)
class Judgement:
    applies: bool  # did the obligation apply to this turn
    findings: tuple[Finding, ...] = ()

    @property
    def violated(self) -> bool:
        return self.applies and bool(self.findings)


def any_match(patterns: list[str], text: str) -> re.Match[str] | None:
    """The first match of policy patterns (case-insensitive) in ``text``."""
    for pattern in patterns:
        if found := re.search(pattern, text, re.IGNORECASE):
            return found
    return None


# --- plain text: what a reader sees, with a map back to the reply --------------------------------

_BLOCK_TAGS = "p|br|div|li|ul|ol|tr|td|th|h[1-6]|blockquote|pre|table|section|hr"
_MARKUP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<!--.*?-->", re.DOTALL), " "),
    (re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*>", re.IGNORECASE), "\n"),
    (re.compile(r"</?[A-Za-z][^<>]*>"), " "),
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[([^\]]+)\]\([^)\s]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"(?m)^[ \t]*(?:>[ \t]?)*(?:[-+*][ \t]+|\d{1,3}[.)][ \t]+|#{1,6}[ \t]+)?"), ""),
    (re.compile(r"(?m)^[ \t]*\|?[ \t:|-]*-[ \t:|-]*$"), ""),  # table rule lines
    (re.compile(r"\*+|~~|`+|(?<!\w)_+|_+(?!\w)"), ""),  # emphasis, code
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])"), r"\1"),  # backslash escapes
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_CHARS = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


@dataclass(frozen=True)
class Plain:
    """Text without markup, quotes and dashes unified, lower case, whitespace collapsed (a line
    break is kept as one ``\\n``); ``origin[i]`` is where ``text[i]`` came from in the reply."""

    text: str
    origin: tuple[int, ...]
    source: str

    def original(self, start: int, end: int) -> str:
        """The source text behind ``text[start:end]``, as the reply wrote it."""
        if start >= end or not self.origin:
            return ""
        return self.source[self.origin[start] : self.origin[min(end, len(self.origin)) - 1] + 1]

    def excerpt(self, start: int, end: int) -> str:
        """The source around ``text[start:end]``."""
        if not self.text:
            return excerpt(self.source, 0, 0)
        begin = self.origin[min(start, len(self.origin) - 1)]
        stop = self.origin[max(min(end, len(self.origin)) - 1, 0)] + 1
        return excerpt(self.source, begin, max(stop, begin))


def _sub(
    pattern: re.Pattern[str], repl: str, chars: list[tuple[str, int]]
) -> list[tuple[str, int]]:
    """``pattern.sub`` on (char, origin) pairs; inserted text takes the origin of the match."""
    text = "".join(c for c, _ in chars)
    out: list[tuple[str, int]] = []
    last = 0
    for match in pattern.finditer(text):
        out += chars[last : match.start()]
        origin = chars[match.start()][1] if match.start() < len(chars) else len(text)
        out += [(c, origin) for c in match.expand(repl)]
        last = match.end()
    return out + chars[last:]


def plain(text: str, *, markdown: bool = True) -> Plain:
    """Formatting must not change a verdict: HTML tags and entities, Markdown (unless
    ``markdown=False``, for values like ``d***@x.com`` or ``jane_doe``), Unicode look-alikes,
    case and whitespace are normalized away, keeping a map back to the original text."""
    chars = [(c, i) for i, c in enumerate(text)]
    if "<" in text:
        for pattern, repl in _MARKUP:
            chars = _sub(pattern, repl, chars)
    joined = "".join(c for c, _ in chars)
    if "&" in joined:
        out: list[tuple[str, int]] = []
        last = 0
        for match in _ENTITY.finditer(joined):
            out += chars[last : match.start()]
            out += [(c, chars[match.start()][1]) for c in html.unescape(match.group(0))]
            last = match.end()
        chars = out + chars[last:]
    if markdown:
        for pattern, repl in _MARKDOWN:
            chars = _sub(pattern, repl, chars)
    folded: list[tuple[str, int]] = []
    for char, origin in chars:
        if char in _INVISIBLE:
            continue
        for c in unicodedata.normalize("NFKC", char).translate(_CHARS).casefold():
            folded.append((c, origin))
    collapsed: list[tuple[str, int]] = []
    for char, origin in folded:
        if not char.isspace():
            collapsed.append((char, origin))
        elif collapsed and collapsed[-1][0] in " \n":
            if char == "\n":
                collapsed[-1] = ("\n", collapsed[-1][1])
        elif collapsed:
            collapsed.append(("\n" if char == "\n" else " ", origin))
    while collapsed and collapsed[-1][0] in " \n":
        collapsed.pop()
    return Plain("".join(c for c, _ in collapsed), tuple(o for _, o in collapsed), text)


def excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    """About ``width`` characters of ``text`` each side of ``[start, end)``, '…' at cuts, on one
    line: what a reviewer needs to see the finding in context."""
    begin, stop = max(start - width, 0), min(end + width, len(text))
    body = " ".join(text[begin:stop].split())
    return ("…" if begin > 0 else "") + body + ("…" if stop < len(text) else "")


# Sentences and clauses: a negation or a hedge reaches only to the end of its own clause.
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s*")
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|approx|no|vs|st|dr|mr|mrs|ms)\.", re.IGNORECASE)


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs of plain text; "e.g." and the like do not end a sentence."""
    masked = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + "\0", text)
    found: list[tuple[int, str]] = []
    last = 0
    for match in _SENTENCE.finditer(masked):
        if text[last : match.start()].strip():
            found.append((last, text[last : match.start()]))
        last = match.end()
    if text[last:].strip():
        found.append((last, text[last:]))
    return found


# --- approved texts and canaries: found in full, whatever the formatting ------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Words and punctuation marks of plain text."""
    return _TOKEN.findall(text)


@lru_cache(maxsize=512)
def _phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """Words in order, one or more spaces between words, any spacing around punctuation."""
    parts = tokens(plain(phrase).text)
    if not parts:
        return None
    body = re.escape(parts[0])
    for before, token in itertools.pairwise(parts):
        words = before[-1].isalnum() and token[0].isalnum()
        body += (r"\s+" if words else r"\s*") + re.escape(token)
    start = r"(?<!\w)" if parts[0][0].isalnum() else ""
    end = r"(?!\w)" if parts[-1][-1].isalnum() else ""
    return re.compile(start + body + end)


def phrase_spans(text: Plain, phrases: Sequence[str]) -> list[tuple[int, int, str]]:
    """Where each phrase occurs in full in plain text, as (start, end, phrase), in order. A
    dropped, added or changed word is no match; formatting differences are."""
    spans = []
    for phrase in phrases:
        pattern = _phrase_pattern(phrase)
        if pattern is not None:
            spans += [(m.start(), m.end(), phrase) for m in pattern.finditer(text.text)]
    return sorted(spans)
