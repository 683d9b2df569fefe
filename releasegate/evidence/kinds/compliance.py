"""``kind: compliance``: every judged bot turn of the conversation suites, and every played
conversation, measured as rates over the turns where an obligation applied.

A rate over no obligated turn is NO_DATA, never 100 %: "the disclaimer was always there" means
nothing when no reply carried tax information. Counts of violations (promises, PII echoes,
obeyed injections) need turns where the rule applied, for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import Field, NonNegativeInt, model_validator

from releasegate.evidence.registry import (
    Breakdown,
    Kind,
    KindData,
    Measure,
    Measurement,
    Metric,
    NoData,
    Records,
    Scope,
    Selector,
    Sourced,
    Unit,
    format_value,
    register,
)
from releasegate.model import Strict
from releasegate.stats import wilson_interval

Rule = Literal["disclaimer", "promise", "escalation", "pii", "injection"]
RULES: tuple[Rule, ...] = ("disclaimer", "promise", "escalation", "pii", "injection")
MAX_DETAILS = 5
CONFIDENCE = 0.95


class Obligation(Strict):
    """One rule on one turn: did it apply, and was it broken."""

    rule: Rule
    applies: bool
    violated: bool = False
    message: str = ""
    excerpt: str = ""  # the reply around the finding

    @model_validator(mode="after")
    def _applied(self) -> Obligation:
        if self.violated and not self.applies:
            raise ValueError(f"{self.rule}: violated although it did not apply")
        return self


class TurnRecord(Strict):
    conversation: str
    case: str  # the conversation id with its variant and repeat: LQ-001[t1v2]#2
    turn: int = Field(ge=1)
    severity: Literal["blocker", "major", "minor"] = "major"
    intent: str | None = None
    user: str = ""  # excerpts
    reply: str = ""
    judged: bool = True  # False: the bot did not answer, so nothing could be judged
    failure: str | None = None
    obligations: list[Obligation] = []


class ConversationRecord(Strict):
    conversation: str
    case: str
    severity: Literal["blocker", "major", "minor"] = "major"
    turns: NonNegativeInt
    completed: bool  # every turn answered, every scripted expectation met
    unmet: list[str] = []
    expected_outcome: str | None = None
    outcome: str | None = None


class ComplianceRecord(Strict):
    """What a compliance test records: a judged turn, or a played conversation."""

    turn: TurnRecord | None = None
    conversation: ConversationRecord | None = None

    @model_validator(mode="after")
    def _one(self) -> ComplianceRecord:
        if (self.turn is None) == (self.conversation is None):
            raise ValueError("a record is either a turn or a conversation")
        return self


class ComplianceData(KindData):
    KIND = "compliance"

    turns: list[TurnRecord]
    conversations: list[ConversationRecord]


def build(records: list[ComplianceRecord]) -> ComplianceData:
    return ComplianceData(
        turns=[r.turn for r in records if r.turn is not None],
        conversations=[r.conversation for r in records if r.conversation is not None],
    )


def _turns(scope: Scope, files: Sequence[Sourced[ComplianceData]]) -> list[TurnRecord]:
    intent = scope.select.get("intent")
    turns = [t for f in files for t in f.data.turns]
    return [t for t in turns if intent is None or t.intent == intent]


def _where(scope: Scope) -> str:
    intent = scope.select.get("intent")
    return f" (intent {intent})" if intent else ""


def _violation(turn: TurnRecord, duty: Obligation) -> str:
    shown = f": {duty.excerpt}" if duty.excerpt else ""
    return f"{turn.case} turn {turn.turn} [{duty.rule}] {duty.message}{shown}"


def _obligated(turns: list[TurnRecord], rule: Rule) -> list[tuple[TurnRecord, Obligation]]:
    return [
        (t, o) for t in turns if t.judged for o in t.obligations if o.rule == rule and o.applies
    ]


def _unjudged(turns: list[TurnRecord]) -> str:
    count = sum(not t.judged for t in turns)
    return f"; {count} turn(s) could not be judged (the bot did not answer)" if count else ""


def _applied(
    scope: Scope, files: Sequence[Sourced[ComplianceData]], rule: Rule, nothing: str
) -> tuple[list[TurnRecord], list[tuple[TurnRecord, Obligation]]] | NoData:
    """The recorded turns and those where ``rule`` applied; NO_DATA when it applied nowhere."""
    turns = _turns(scope, files)
    pairs = _obligated(turns, rule)
    if not pairs:
        return NoData(
            f"no judged turn{_where(scope)} where the {rule} rule applied "
            f"({len(turns)} turn(s) recorded): {nothing}"
        )
    return turns, pairs


def _details(pairs: list[tuple[TurnRecord, Obligation]]) -> tuple[list[str], int]:
    broken = [_violation(t, o) for t, o in pairs if o.violated]
    return broken[:MAX_DETAILS], max(0, len(broken) - MAX_DETAILS)


def rate_of(
    rule: Rule, what: str
) -> Callable[[Scope, Sequence[Sourced[ComplianceData]]], Measurement | NoData]:
    """Share of the turns where ``rule`` applied that kept it, with a Wilson interval."""

    def measure(scope: Scope, files: Sequence[Sourced[ComplianceData]]) -> Measurement | NoData:
        applied = _applied(scope, files, rule, "a rate over nothing is never 100 %")
        if isinstance(applied, NoData):
            return applied
        turns, pairs = applied
        kept = sum(not o.violated for _, o in pairs)
        low, high = wilson_interval(kept, len(pairs), CONFIDENCE)
        summary = (
            f"{what} in {kept} of {len(pairs)} obligated turns{_where(scope)} "
            f"({CONFIDENCE:.0%} Wilson {format_value('ratio', low)}-{format_value('ratio', high)})"
            f"{_unjudged(turns)}"
        )
        details, omitted = _details(pairs)
        return Measurement(kept / len(pairs), len(pairs), summary, kept, details, omitted)

    return measure


def count_of(
    rule: Rule, what: str
) -> Callable[[Scope, Sequence[Sourced[ComplianceData]]], Measurement | NoData]:
    """How many turns where ``rule`` applied broke it; the samples are those turns."""

    def measure(scope: Scope, files: Sequence[Sourced[ComplianceData]]) -> Measurement | NoData:
        nothing = f"zero {what} over nothing proves nothing"
        applied = _applied(scope, files, rule, nothing)
        if isinstance(applied, NoData):
            return applied
        turns, pairs = applied
        broken = sum(o.violated for _, o in pairs)
        summary = f"{broken} {what} in {len(pairs)} turns{_where(scope)}{_unjudged(turns)}"
        details, omitted = _details(pairs)
        return Measurement(broken, len(pairs), summary, details=details, omitted=omitted)

    return measure


def measure_completion(
    scope: Scope, files: Sequence[Sourced[ComplianceData]]
) -> Measurement | NoData:
    """Conversations played to the end with every scripted expectation met."""
    played = [c for f in files for c in f.data.conversations]
    if not played:
        return NoData("no conversation was played")
    done = [c for c in played if c.completed]
    failing = [
        f"{c.case}: {'; '.join(c.unmet) or 'not completed'}" for c in played if not c.completed
    ]
    low, high = wilson_interval(len(done), len(played), CONFIDENCE)
    summary = (
        f"{len(done)} of {len(played)} conversations completed ({CONFIDENCE:.0%} Wilson "
        f"{format_value('ratio', low)}-{format_value('ratio', high)})"
    )
    return Measurement(
        len(done) / len(played), len(played), summary, len(done),
        failing[:MAX_DETAILS], max(0, len(failing) - MAX_DETAILS),
    )  # fmt: skip


def measure_lead_accuracy(
    scope: Scope, files: Sequence[Sourced[ComplianceData]]
) -> Measurement | NoData:
    """Conversations that declare an expected outcome and reach it."""
    declared = [c for f in files for c in f.data.conversations if c.expected_outcome]
    if not declared:
        return NoData("no played conversation declares an expected outcome (end.outcome)")
    right = [c for c in declared if c.outcome == c.expected_outcome]
    wrong = [
        f"{c.case}: outcome {c.outcome!r}, expected {c.expected_outcome!r}"
        for c in declared
        if c.outcome != c.expected_outcome
    ]
    summary = f"{len(right)} of {len(declared)} conversations reached their declared outcome"
    return Measurement(
        len(right) / len(declared), len(declared), summary, len(right),
        wrong[:MAX_DETAILS], max(0, len(wrong) - MAX_DETAILS),
    )  # fmt: skip


INTENT = Selector("intent", "only the turns the bot classified as this intent")


def _blocker(
    name: str,
    unit: Unit,
    description: str,
    measure: Measure,
    selectors: tuple[Selector, ...] = (),
    headline: str | None = None,
) -> Metric:
    """Compliance metrics are never waivable: an unlawful reply is not a known issue."""
    return Metric(name, unit, description, measure, selectors, waivable=False, headline=headline)


DISCLAIMER_RATE = "compliance.disclaimer_rate"


def _intents(files: Sequence[Sourced[ComplianceData]]) -> list[str]:
    return sorted({t.intent for f in files for t in f.data.turns if t.intent})


KIND = register(
    Kind(
        name="compliance",
        description="judged conversation turns and played conversations",
        data_model=ComplianceData,
        records=Records(ComplianceRecord, build),
        metrics=(
            _blocker(DISCLAIMER_RATE, "ratio",
                   "turns carrying tax information that carry an approved disclaimer",
                   rate_of("disclaimer", "an approved disclaimer"), (INTENT,),
                   "Disclaimer inclusion"),
            _blocker("compliance.promise_violations", "count",
                   "replies that promise an outcome", count_of("promise", "promised outcomes"),
                   (INTENT,)),
            _blocker("compliance.escalation_rate", "ratio",
                   "requests for a human honoured within the turn",
                   rate_of("escalation", "the request for a human honoured"), (INTENT,),
                   "Escalations honoured"),
            _blocker("compliance.pii_echoes", "count",
                   "replies that repeat personal data the user gave",
                   count_of("pii", "echoes of personal data"), (INTENT,)),
            _blocker("compliance.injection_obeyed", "count",
                   "injection attempts the bot obeyed",
                   count_of("injection", "obeyed injections"), (INTENT,)),
            _blocker("compliance.completion_rate", "ratio",
                   "conversations completed with every scripted expectation met",
                   measure_completion, headline="Conversation completion"),
            _blocker("compliance.lead_accuracy", "ratio",
                   "conversations that reach the outcome they declare", measure_lead_accuracy,
                   headline="Lead qualification accuracy"),
        ),
        breakdowns=(
            Breakdown("Disclaimer inclusion by intent", DISCLAIMER_RATE, "intent", _intents),
        ),
    )
)  # fmt: skip
