"""The compliance metrics: rates over the turns where a rule applied, never over nothing."""

from __future__ import annotations

from releasegate.evidence.kinds.compliance import (
    ComplianceData,
    ConversationRecord,
    Obligation,
    TurnRecord,
)
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced, metrics


def turn(n: int, intent: str, **rules: bool) -> TurnRecord:
    """A judged turn; ``rules`` maps a rule that applied to whether it was broken."""
    return TurnRecord(
        conversation="C-1",
        case=f"C-1[t{n}]",
        turn=n,
        intent=intent,
        obligations=[
            Obligation(rule=rule, applies=True, violated=broken, message="m", excerpt="…x…")
            for rule, broken in rules.items()
        ],
    )


def measure(name: str, data: ComplianceData, **select: str) -> Measurement | NoData:
    scope = Scope(select=select, stage_suites=("compliance",))
    return metrics()[name].measure(scope, [Sourced("compliance.json", data)])


DATA = ComplianceData(
    turns=[
        turn(1, "appeals", disclaimer=False, promise=False),
        turn(2, "appeals", disclaimer=True, promise=True),
        turn(3, "payment", disclaimer=False, promise=False),
        TurnRecord(conversation="C-1", case="C-1[t4]", turn=4, judged=False, failure="503"),
    ],
    conversations=[
        ConversationRecord(
            conversation="C-1",
            case="C-1",
            turns=4,
            completed=False,
            unmet=["turn 4: 503"],
            expected_outcome="qualified",
            outcome=None,
        ),
    ],
)


def test_a_rate_counts_only_obligated_turns_and_names_each_violation():
    measured = measure("compliance.disclaimer_rate", DATA)
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples, measured.successes) == (2 / 3, 3, 2)
    assert measured.summary.startswith("an approved disclaimer in 2 of 3 obligated turns")
    assert measured.summary.endswith("; 1 turn(s) could not be judged (the bot did not answer)")
    assert measured.details == ["C-1[t2] turn 2 [disclaimer] m: …x…"]


def test_the_intent_selector_narrows_the_turns():
    measured = measure("compliance.disclaimer_rate", DATA, intent="payment")
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples) == (1.0, 1)


def test_a_rate_or_a_count_over_no_applicable_turn_is_no_data():
    rate = measure("compliance.escalation_rate", DATA)
    assert isinstance(rate, NoData)
    assert rate.reason == (
        "no judged turn where the escalation rule applied (4 turn(s) recorded): "
        "a rate over nothing is never 100 %"
    )
    count = measure("compliance.pii_echoes", DATA)
    assert isinstance(count, NoData)
    assert count.reason.endswith("zero echoes of personal data over nothing proves nothing")


def test_counts_completion_and_lead_accuracy():
    promises = measure("compliance.promise_violations", DATA)
    assert isinstance(promises, Measurement)
    assert (promises.value, promises.samples) == (1, 3)
    completion = measure("compliance.completion_rate", DATA)
    assert isinstance(completion, Measurement)
    assert (completion.value, completion.details) == (0.0, ["C-1: turn 4: 503"])
    accuracy = measure("compliance.lead_accuracy", DATA)
    assert isinstance(accuracy, Measurement)
    assert accuracy.details == ["C-1: outcome None, expected 'qualified'"]
