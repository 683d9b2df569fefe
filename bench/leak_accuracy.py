"""How often the error-body leak detector (``releasegate.security.leaks``) is right, on the
labelled cases in ``tests/detectors/cases/leak.yaml``: cases, TP, FP, TN, FN, precision and
recall of "this body leaks", overall and on the hard cases, and every misclassified case. The
test suite (``tests/detectors/test_leaks.py``) imports this module for the same figures and
gates them at the values published in ``docs/security.md``; this script prints them.

    .venv/bin/python bench/leak_accuracy.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from releasegate.security.leaks import find_leaks

CASES = Path(__file__).resolve().parent.parent / "tests" / "detectors" / "cases" / "leak.yaml"


def load_cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(CASES.read_text(encoding="utf-8")) or [])


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(hard_only: bool = False) -> Score:
    result = Score()
    for case in load_cases():
        if hard_only and not case.get("hard"):
            continue
        expected, observed = bool(case["leak"]), bool(find_leaks(case["body"]))
        if expected and observed:
            result.tp += 1
        elif observed:
            result.fp += 1
        elif expected:
            result.fn += 1
        else:
            result.tn += 1
        if expected != observed:
            result.wrong.append(
                f"{case['id']}: expected {expected}, got {observed} ({case['note']})"
            )
    return result


def main() -> None:
    print(f"{'cases':<8} {'n':>3}  TP  FP  TN  FN  precision  recall")
    for name, s in (("all", score()), ("hard", score(hard_only=True))):
        print(
            f"{name:<8} {s.cases:>3} {s.tp:>3} {s.fp:>3} {s.tn:>3} {s.fn:>3}  "
            f"{s.precision:>9.3f}  {s.recall:>6.3f}"
        )
    for line in score().wrong:
        print(f"  misclassified {line}")


if __name__ == "__main__":
    main()
