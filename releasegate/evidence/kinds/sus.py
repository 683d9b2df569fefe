"""``kind: sus``: a System Usability Scale survey of beta users, scored the standard way.

Each respondent answers ten statements on a 1-5 scale; odd items count ``answer - 1``, even
items ``5 - answer``, and the sum times 2.5 is a 0-100 score. The deployment plans this tool
serves gate on a mean of at least 70. Rows that cannot be scored are kept and named, never
dropped silently: the decision says how many respondents it rests on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import Field, NonNegativeInt, model_validator

from releasegate.evidence.registry import (
    Kind,
    KindData,
    Measurement,
    Metric,
    NoData,
    Scope,
    Sourced,
    register,
)
from releasegate.model import Strict

ITEMS = 10


def score(answers: Sequence[int]) -> float:
    """The standard SUS score of one respondent's ten answers."""
    odd = sum(a - 1 for a in answers[0::2])
    even = sum(5 - a for a in answers[1::2])
    return (odd + even) * 2.5


class Respondent(Strict):
    id: str
    answers: list[int] = Field(min_length=ITEMS, max_length=ITEMS)
    score: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _scored(self) -> Respondent:
        if any(not 1 <= a <= 5 for a in self.answers):
            raise ValueError(f"respondent {self.id}: answers must be 1 to 5")
        if self.score != score(self.answers):
            raise ValueError(f"respondent {self.id}: score {self.score} is not the SUS score")
        return self


class MalformedRow(Strict):
    line: NonNegativeInt
    reason: str


class SusData(KindData):
    KIND = "sus"

    source: str  # the survey file, as given
    respondents: list[Respondent]
    malformed: list[MalformedRow] = []


def parse_csv(text: str, source: str) -> SusData:
    """A survey export: a header row, then one row per respondent with ten answers in the
    columns ``q1`` .. ``q10`` (case-insensitive) and an optional ``id`` column."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return SusData(source=source, respondents=[])
    header = [h.strip().lower() for h in rows[0]]
    columns = [header.index(f"q{i}") if f"q{i}" in header else -1 for i in range(1, ITEMS + 1)]
    id_column = header.index("id") if "id" in header else -1
    respondents, malformed = [], []
    if -1 in columns:
        missing = [f"q{i + 1}" for i, c in enumerate(columns) if c == -1]
        malformed.append(MalformedRow(line=1, reason=f"header lacks {', '.join(missing)}"))
        return SusData(source=source, respondents=[], malformed=malformed)
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        who = row[id_column].strip() if 0 <= id_column < len(row) else f"line {line}"
        try:
            answers = [int(row[c].strip()) for c in columns]
        except (IndexError, ValueError):
            malformed.append(MalformedRow(line=line, reason="ten answers 1-5 expected"))
            continue
        if any(not 1 <= a <= 5 for a in answers):
            malformed.append(MalformedRow(line=line, reason=f"answers out of 1-5: {answers}"))
            continue
        respondents.append(Respondent(id=who, answers=answers, score=score(answers)))
    return SusData(source=source, respondents=respondents, malformed=malformed)


def _malformed(files: Sequence[Sourced[SusData]]) -> tuple[list[str], int]:
    rows = [f"{f.data.source} line {m.line}: {m.reason}" for f in files for m in f.data.malformed]
    return rows[:5], max(0, len(rows) - 5)


def measure_score(scope: Scope, files: Sequence[Sourced[SusData]]) -> Measurement | NoData:
    """The mean SUS score over every scored respondent."""
    scores = [r.score for f in files for r in f.data.respondents]
    details, omitted = _malformed(files)
    skipped = f"; {len(details) + omitted} malformed row(s) not scored" if details else ""
    if not scores:
        return NoData(f"no respondent could be scored{skipped}")
    mean = sum(scores) / len(scores)
    summary = f"mean SUS {mean:.1f} over {len(scores)} respondent(s){skipped}"
    return Measurement(mean, len(scores), summary, details=details, omitted=omitted)


KIND = register(
    Kind(
        name="sus",
        description="System Usability Scale survey of beta users",
        data_model=SusData,
        metrics=(
            Metric("sus.score", "score", "mean System Usability Scale score, 0-100",
                   measure_score, headline="Usability (SUS)"),
        ),
    )
)  # fmt: skip
