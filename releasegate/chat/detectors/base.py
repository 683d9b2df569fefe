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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache


@dataclass(frozen=True)
class Exchange:
    """One bot turn in context."""

    user: str  # this turn's user message
    reply: str  # the bot's reply (all parts joined)
    earlier_user: tuple[str, ...] = ()  # what the user said before in this conversation
    handoff: bool | None = None  # the contract's handoff flag, when the bot has one

    @cached_property
    def plain_reply(self) -> Plain:
        """The reply as plain text, made once for all the detectors that read it."""
        return plain(self.reply)


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
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Runs of whitespace (what str.isspace() says) other than one space or one line break.
_SPACES = re.compile(r"\s{2,}|[^\S \n]")


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
    pattern: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str],
    text: str,
    origin: list[int],
) -> tuple[str, list[int]]:
    """``pattern.sub`` on text and its origins; inserted text takes the origin of the match.
    Text without a match comes back as it was, copied nowhere."""
    template = isinstance(repl, str) and "\\" in repl
    pieces: list[str] = []
    origins: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        inserted = repl(match) if callable(repl) else match.expand(repl) if template else repl
        if start == end and not inserted:
            continue  # nothing replaced by nothing
        pieces.append(text[last:start])
        origins += origin[last:start]
        pieces.append(inserted)
        origins += [origin[start]] * len(inserted)
        last = end
    if not pieces:
        return text, origin
    pieces.append(text[last:])
    origins += origin[last:]
    return "".join(pieces), origins


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as plain text has it: invisible ones dropped, look-alikes unified."""
    if char in _INVISIBLE:
        return ""
    return unicodedata.normalize("NFKC", char).translate(_CHARS).casefold()


def _fold(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """``_fold_char`` on every character; runs of ASCII (one character each way) at once."""
    if text.isascii():
        return text.translate(_CHARS).casefold(), origin
    pieces: list[str] = []
    origins: list[int] = []
    last = 0
    for match in _NON_ASCII.finditer(text):
        at = match.start()
        pieces.append(text[last:at].translate(_CHARS).casefold())
        origins += origin[last:at]
        folded = _fold_char(text[at])
        pieces.append(folded)
        origins += [origin[at]] * len(folded)
        last = at + 1
    pieces.append(text[last:].translate(_CHARS).casefold())
    origins += origin[last:]
    return "".join(pieces), origins


def _collapse(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """Each run of whitespace as one ``\\n`` (when it holds a line break) or one space, at the
    run's first character; none at either end."""
    begin, end = len(text) - len(text.lstrip()), len(text.rstrip())
    return _sub(_SPACES, _one_space, text[begin:end], origin[begin:end])


def _one_space(run: re.Match[str]) -> str:
    return "\n" if "\n" in run.group(0) else " "


def plain(text: str, *, markdown: bool = True) -> Plain:
    """Formatting must not change a verdict: HTML tags and entities, Markdown (unless
    ``markdown=False``, for values like ``d***@x.com`` or ``jane_doe``), Unicode look-alikes,
    case and whitespace are normalized away, keeping a map back to the original text."""
    current, origin = text, list(range(len(text)))
    if "<" in current:
        for pattern, repl in _MARKUP:
            current, origin = _sub(pattern, repl, current, origin)
    if "&" in current:
        current, origin = _sub(_ENTITY, _unescape, current, origin)
    if markdown:
        for pattern, repl in _MARKDOWN:
            current, origin = _sub(pattern, repl, current, origin)
    current, origin = _collapse(*_fold(current, origin))
    return Plain(current, tuple(origin), text)


def _unescape(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


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
