"""``kind: csat``: customer satisfaction from feedback ratings (1-5), read from an exported CSV
or from the target's own feedback counter. CSAT is the share of satisfied ratings (4 or 5), the
usual definition; the mean rating is kept beside it. Rows that cannot be read are named."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from pydantic import NonNegativeInt, model_validator

from releasegate.evidence.kinds.sus import MalformedRow
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

RATINGS = ("1", "2", "3", "4", "5")
SATISFIED = ("4", "5")


class CsatData(KindData):
    KIND = "csat"

    source: str  # the CSV file, or the metrics endpoint and counter it was read from
    origin: Literal["csv", "metrics"]
    ratings: dict[str, NonNegativeInt]  # "1".."5" -> how many
    malformed: list[MalformedRow] = []

    @model_validator(mode="after")
    def _scale(self) -> CsatData:
        if set(self.ratings) != set(RATINGS):
            raise ValueError("ratings must count each of 1, 2, 3, 4 and 5")
        return self


def counts(values: Sequence[int]) -> dict[str, int]:
    return {r: sum(1 for v in values if str(v) == r) for r in RATINGS}


def parse_csv(text: str, source: str) -> CsatData:
    """An export with a ``rating`` column (1-5), one row per rating."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "rating" not in header:
        bad = [MalformedRow(line=1, reason="no 'rating' column in the header")] if rows else []
        return CsatData(source=source, origin="csv", ratings=counts([]), malformed=bad)
    column = header.index("rating")
    ratings: list[int] = []
    malformed = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[column].strip() if column < len(row) else ""
        if cell not in RATINGS:
            malformed.append(MalformedRow(line=line, reason=f"rating {cell!r} is not 1-5"))
            continue
        ratings.append(int(cell))
    return CsatData(source=source, origin="csv", ratings=counts(ratings), malformed=malformed)


def _totals(files: Sequence[Sourced[CsatData]]) -> tuple[dict[str, int], list[str], int]:
    total = {r: sum(f.data.ratings[r] for f in files) for r in RATINGS}
    rows = [f"{f.data.source} line {m.line}: {m.reason}" for f in files for m in f.data.malformed]
    return total, rows[:5], max(0, len(rows) - 5)


def measure_score(scope: Scope, files: Sequence[Sourced[CsatData]]) -> Measurement | NoData:
    """Satisfied ratings (4 or 5) / all ratings."""
    total, details, omitted = _totals(files)
    n = sum(total.values())
    skipped = f"; {len(details) + omitted} malformed row(s) not counted" if details else ""
    if n == 0:
        return NoData(f"no feedback rating to judge{skipped}")
    satisfied = sum(total[r] for r in SATISFIED)
    summary = f"{satisfied} of {n} ratings are 4 or 5{skipped}"
    return Measurement(satisfied / n, n, summary, successes=satisfied, details=details,
                       omitted=omitted)  # fmt: skip


def measure_mean(scope: Scope, files: Sequence[Sourced[CsatData]]) -> Measurement | NoData:
    total, details, omitted = _totals(files)
    n = sum(total.values())
    if n == 0:
        return NoData("no feedback rating to judge")
    mean = sum(int(r) * c for r, c in total.items()) / n
    return Measurement(mean, n, f"mean rating {mean:.2f} of 5 over {n} ratings",
                       details=details, omitted=omitted)  # fmt: skip


KIND = register(
    Kind(
        name="csat",
        description="customer satisfaction from feedback ratings",
        data_model=CsatData,
        metrics=(
            Metric("csat.score", "ratio", "satisfied ratings (4 or 5) / all ratings",
                   measure_score, headline="Customer satisfaction"),
            Metric("csat.mean_rating", "score", "mean feedback rating, 1-5", measure_mean),
        ),
    )
)  # fmt: skip
