"""Satisfaction ratings: the CSV export is read strictly, CSAT is the share of 4s and 5s."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from releasegate.evidence.kinds.csat import CsatData, counts, measure_mean, measure_score, parse_csv
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced

SCOPE = Scope(select={}, stage_suites=())


def measured(data: CsatData, measure=measure_score):
    return measure(SCOPE, [Sourced("ratings.csv", data)])


def test_csat_is_the_share_of_satisfied_ratings_and_the_mean_is_kept():
    data = parse_csv("rating,comment\n5,great\n4,ok\n2,bad\n\n1,awful\n", "ratings.csv")
    assert data.ratings == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1}
    score = measured(data)
    assert isinstance(score, Measurement)
    assert (score.value, score.samples, score.successes) == (0.5, 4, 2)
    mean = measured(data, measure_mean)
    assert isinstance(mean, Measurement)
    assert mean.value == 3.0


def test_bad_rows_are_named_and_not_counted():
    data = parse_csv("Rating\n5\n0\nfive\n4.5\n", "ratings.csv")
    assert [m.line for m in data.malformed] == [3, 4, 5]
    score = measured(data)
    assert isinstance(score, Measurement)
    assert score.details[0] == "ratings.csv line 3: rating '0' is not 1-5"
    assert "3 malformed row(s) not counted" in score.summary


@pytest.mark.parametrize("text", ["", "score\n5\n", "rating\n"])
def test_no_rating_is_no_data_never_a_score(text):
    assert isinstance(measured(parse_csv(text, "x.csv")), NoData)


def test_ratings_must_cover_the_whole_scale():
    with pytest.raises(ValidationError, match="each of 1, 2, 3, 4 and 5"):
        CsatData(source="x", origin="csv", ratings={"5": 1})
    assert counts([5, 5, 1]) == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 2}
