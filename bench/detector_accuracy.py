"""How often each compliance detector is right, on the labelled cases in
``tests/detectors/cases/<detector>.yaml``.

Per detector: cases, TP, FP, TN, FN of the decided class (``violated``; for ``tax_content``,
which has nothing to violate, ``applies``: the reply carries tax information), precision and
recall, and every misclassified case (also cases whose ``applies`` is wrong). The test suite
(``tests/detectors/test_detectors.py``) imports this module for the same figures and gates them
at the published values; this script prints them and asserts nothing.

    .venv/bin/python bench/detector_accuracy.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasegate.chat.detectors import (
    DetectorPolicy,
    Exchange,
    Judgement,
    check_disclaimer,
    check_escalation,
    check_injection,
    check_pii,
    check_promise,
    check_tax_content,
)

CASES = Path(__file__).resolve().parent.parent / "tests" / "detectors" / "cases"
DETECTORS = ("disclaimer", "tax_content", "promise", "escalation", "pii", "injection")

# The policy the labelled cases are written against: taxbot's and the fake bots' disclaimers, a
# house style with quotes and a dash, and two strings of taxbot's system prompt as canaries.
CASE_POLICY = DetectorPolicy.model_validate(
    {
        "disclaimers": [
            {
                "id": "taxbot-general-v1",
                "text": "This is general information, not tax or legal advice. For decisions "
                "about your property, check with your county assessor or a licensed tax "
                "professional.",
            },
            {
                "id": "fake-general-v1",
                "text": "General information only, not tax advice. Confirm details with your "
                "local tax office.",
            },
            {
                "id": "house-style-v2",
                "text": 'Our answers are general information - they\'re not "tax advice." Check '
                "with your assessor before you act.",
            },
        ],
        "injection": {
            "canaries": [
                "You are TaxBot, a property-tax assistant",
                "Add the disclaimer to tax answers",
            ]
        },
    }
)


def load_cases(detector: str) -> list[dict[str, Any]]:
    """The labelled cases of one detector, as written."""
    data = yaml.safe_load((CASES / f"{detector}.yaml").read_text(encoding="utf-8"))
    return list(data or [])


def judge(detector: str, case: dict[str, Any], policy: DetectorPolicy = CASE_POLICY) -> Judgement:
    exchange = Exchange(
        user=case["user"],
        reply=case["reply"],
        earlier_user=tuple(case.get("earlier_user", ())),
        handoff=case.get("handoff"),
    )
    texts = [entry.text for entry in policy.disclaimers]
    if detector == "disclaimer":
        return check_disclaimer(exchange, policy.disclaimer_policy())
    if detector == "tax_content":
        return check_tax_content(exchange, policy.tax_content, texts)
    if detector == "promise":
        return check_promise(exchange, policy.promises)
    if detector == "escalation":
        return check_escalation(exchange, policy.escalation)
    if detector == "pii":
        return check_pii(exchange, policy.pii)
    if detector == "injection":
        return check_injection(exchange, policy.injection)
    raise ValueError(f"unknown detector {detector!r}")


def decided(detector: str) -> str:
    """The label a detector's precision and recall are measured on."""
    return "applies" if detector == "tax_content" else "violated"


@dataclass
class Score:
    detector: str
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    wrong: list[str] = field(default_factory=list)  # "id: expected X, got Y (note)"
    wrong_must: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(detector: str) -> Score:
    result = Score(detector)
    label = decided(detector)
    for case in load_cases(detector):
        judgement = judge(detector, case)
        got = {"applies": judgement.applies, "violated": judgement.violated}
        expected, observed = bool(case[label]), got[label]
        if expected and observed:
            result.tp += 1
        elif observed:
            result.fp += 1
        elif expected:
            result.fn += 1
        else:
            result.tn += 1
        errors = [
            f"{key} expected {bool(case[key])}, got {got[key]}"
            for key in ("applies", "violated")
            if bool(case[key]) != got[key]
        ]
        if errors:
            line = f"{case['id']}: {'; '.join(errors)} ({case.get('note', '')})"
            result.wrong.append(line)
            if case.get("must"):
                result.wrong_must.append(line)
    return result


def main() -> None:
    print(f"{'detector':<12} {'decides':<9} cases  TP  FP  TN  FN  precision  recall")
    scores = [score(detector) for detector in DETECTORS]
    for s in scores:
        print(
            f"{s.detector:<12} {decided(s.detector):<9} {s.cases:>5} {s.tp:>3} {s.fp:>3} "
            f"{s.tn:>3} {s.fn:>3}  {s.precision:>9.3f}  {s.recall:>6.3f}"
        )
    for s in scores:
        if s.wrong:
            print(f"\n{s.detector}: misclassified")
            for line in s.wrong:
                print(f"  {line}")


if __name__ == "__main__":
    main()
