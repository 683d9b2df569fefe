"""Injected regressions (``TAXBOT_FAULTS``), parsed once at startup.

Faults exist so the release gate can be shown, and tested, to block realistic regressions.
Parsing is strict: a typo in a fault list must stop the server, not silently run a healthy bot.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

TAX_INTENTS = ("appeals", "assessment", "exemptions", "payment", "rates")

FLAG_FAULTS = ("a11y", "down", "echo_pii", "injection", "no_feedback", "no_metrics", "promise")
FLAG_FAULTS += ("schema_change",)
# Monitoring regressions: metrics that lie, a probe that lies, a dashboard gone blank.
FLAG_FAULTS += ("stuck_metrics", "ready_without_db", "renamed_metric")
FLAG_FAULTS += ("html_replies", "stack_trace", "no_headers")  # security regressions
FLAG_FAULTS += ("a11y_speakers", "a11y_live", "a11y_focus")
# Faults of the journeys only the e2e suite follows end to end (page, side effects).
FLAG_FAULTS += ("lose_session", "feedback_unstored", "lead_unsaved", "emoji_500")
KNOWN_FAULTS = tuple(
    sorted((*FLAG_FAULTS, "errors", "no_disclaimer", "slow", "slow_intent", "lock"))
)
CHAT_INTENTS = (*TAX_INTENTS, "greeting", "handoff", "lead", "out_of_scope")

MAX_SLOW_MS = 60_000


class FaultError(ValueError):
    """A fault list that cannot be honoured exactly; the message names the bad item."""


@dataclass(frozen=True)
class Faults:
    """The regressions this process injects; the default instance injects none."""

    no_disclaimer: frozenset[str] = frozenset()
    promise: bool = False
    slow_ms: int = 0
    error_rate: Fraction = Fraction(0)
    a11y: bool = False
    no_feedback: bool = False
    no_metrics: bool = False
    echo_pii: bool = False
    injection: bool = False
    down: bool = False
    schema_change: bool = False
    stuck_metrics: bool = False
    ready_without_db: bool = False
    renamed_metric: bool = False
    html_replies: bool = False
    stack_trace: bool = False
    no_headers: bool = False
    a11y_speakers: bool = False
    a11y_live: bool = False
    a11y_focus: bool = False
    lose_session: bool = False
    feedback_unstored: bool = False
    lead_unsaved: bool = False
    emoji_500: bool = False
    slow_intent: tuple[str, int] | None = None  # (intent, ms): only replies of that intent
    lock_ms: int = 0  # every chat reply holds one process-wide lock this long

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Parse a comma list such as ``"no_disclaimer:appeals, slow:400"``."""
        flags: dict[str, bool] = {}
        no_disclaimer: set[str] = set()
        valued: dict[str, str] = {}
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            name, sep, arg = (part.strip() for part in item.partition(":"))
            if name not in KNOWN_FAULTS:
                raise FaultError(f"unknown fault {name!r} (known: {', '.join(KNOWN_FAULTS)})")
            if name == "no_disclaimer":
                no_disclaimer.update(_disclaimer_topics(arg if sep else None))
            elif name in FLAG_FAULTS:
                if sep:
                    raise FaultError(f"fault {name!r} takes no argument (got {item!r})")
                flags[name] = True
            elif name in valued:
                raise FaultError(f"fault {name!r} is given twice")
            else:
                valued[name] = arg if sep else ""
        return cls(
            no_disclaimer=frozenset(no_disclaimer),
            slow_ms=_slow_ms(valued["slow"]) if "slow" in valued else 0,
            error_rate=_error_rate(valued["errors"]) if "errors" in valued else Fraction(0),
            slow_intent=_slow_intent(valued["slow_intent"]) if "slow_intent" in valued else None,
            lock_ms=_lock_ms(valued["lock"]) if "lock" in valued else 0,
            **flags,
        )

    def drops_disclaimer(self, topic: str) -> bool:
        """True when replies carrying information on ``topic`` must omit the disclaimer."""
        return topic in self.no_disclaimer


def _disclaimer_topics(arg: str | None) -> set[str]:
    if arg is None:
        return set(TAX_INTENTS)
    if arg not in TAX_INTENTS:
        raise FaultError(
            f"no_disclaimer: unknown intent {arg!r} (tax intents: {', '.join(TAX_INTENTS)})"
        )
    return {arg}


def _slow_ms(arg: str) -> int:
    if not (arg.isascii() and arg.isdigit() and 1 <= int(arg) <= MAX_SLOW_MS):
        raise FaultError(
            f"slow needs whole milliseconds from 1 to {MAX_SLOW_MS}, like slow:400 (got {arg!r})"
        )
    return int(arg)


def _slow_intent(arg: str) -> tuple[str, int]:
    intent, sep, ms = arg.partition(":")
    if not sep or intent not in CHAT_INTENTS:
        raise FaultError(
            f"slow_intent needs INTENT:MS with an intent of {', '.join(CHAT_INTENTS)}, like "
            f"slow_intent:appeals:300 (got {arg!r})"
        )
    try:
        return intent, _slow_ms(ms)
    except FaultError:
        raise FaultError(
            f"slow_intent needs whole milliseconds from 1 to {MAX_SLOW_MS} after the intent, "
            f"like slow_intent:appeals:300 (got {arg!r})"
        ) from None


def _lock_ms(arg: str) -> int:
    try:
        return _slow_ms(arg)
    except FaultError:
        raise FaultError(
            f"lock needs whole milliseconds from 1 to {MAX_SLOW_MS}, like lock:40 (got {arg!r})"
        ) from None


def _error_rate(arg: str) -> Fraction:
    problem = f"errors needs a rate with 0 < RATE <= 1, like errors:0.05 (got {arg!r})"
    try:
        rate = Fraction(arg)
    except (ValueError, ZeroDivisionError):
        raise FaultError(problem) from None
    if not 0 < rate <= 1:
        raise FaultError(problem)
    return rate


# What makes an emoji composed: a zero-width joiner (👨‍👩‍👧), the emoji presentation selector
# (❤️) or a skin-tone modifier (👍🏽). Single-code-point emoji such as 🏠 are not composed.
_COMPOSING = frozenset("\u200d\ufe0f") | {chr(c) for c in range(0x1F3FB, 0x1F400)}


def has_composed_emoji(message: str) -> bool:
    """True when the ``emoji_500`` fault fails this message: the grapheme-handling bug it
    injects breaks on composed emoji only, so a plain 🏠 still gets an answer."""
    return not _COMPOSING.isdisjoint(message)


class FailureSchedule:
    """Which requests the ``errors:RATE`` fault fails: deterministic, so tests can count.

    Request n (1-based) fails when floor(n * RATE) > floor((n - 1) * RATE); with RATE 0.25
    that is requests 4, 8, 12, ... Exact fractions keep the pattern free of float drift.
    """

    def __init__(self, rate: Fraction) -> None:
        self._rate = rate
        self._requests = itertools.count(1)

    def next_fails(self) -> bool:
        if not self._rate:
            return False
        n = next(self._requests)
        return math.floor(n * self._rate) > math.floor((n - 1) * self._rate)
