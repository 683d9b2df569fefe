"""System Usability Scale surveys: standard scoring, malformed rows named, nothing over zero."""

from __future__ import annotations

import pytest

from releasegate.evidence.kinds.sus import parse_csv, score
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced, metrics

SURVEY = """id,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10
ana,5,1,5,1,5,1,5,1,5,1
ben,4,2,4,2,4,2,4,2,4,2
cy,3,3,3,3,3,3,3,3,3,3
dee,4,2,4,2,4,two,4,2,4,2
eve,6,1,5,1,5,1,5,1,5,1

fay,5,1,5
"""


def test_standard_scoring():
    assert score([5, 1] * 5) == 100.0
    assert score([1, 5] * 5) == 0.0
    assert score([3] * 10) == 50.0
    assert score([4, 2] * 5) == 75.0


def test_a_survey_scores_its_respondents_and_names_its_malformed_rows():
    data = parse_csv(SURVEY, "sus.csv")
    assert [(r.id, r.score) for r in data.respondents] == [
        ("ana", 100.0),
        ("ben", 75.0),
        ("cy", 50.0),
    ]
    assert [(m.line, m.reason) for m in data.malformed] == [
        (5, "ten answers 1-5 expected"),
        (6, "answers out of 1-5: [6, 1, 5, 1, 5, 1, 5, 1, 5, 1]"),
        (8, "ten answers 1-5 expected"),
    ]


def measure(text: str) -> Measurement | NoData:
    return metrics()["sus.score"].measure(
        Scope(select={}, stage_suites=()), [Sourced("sus.csv", parse_csv(text, "sus.csv"))]
    )


def test_the_score_is_the_mean_over_scored_respondents_and_says_what_was_left_out():
    measured = measure(SURVEY)
    assert isinstance(measured, Measurement)
    assert (measured.value, measured.samples) == (75.0, 3)
    assert measured.summary == "mean SUS 75.0 over 3 respondent(s); 3 malformed row(s) not scored"
    assert measured.details[0] == "sus.csv line 5: ten answers 1-5 expected"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no respondent could be scored"),
        ("id,q1,q2\nx,1,2\n", "no respondent could be scored; 1 malformed row(s) not scored"),
    ],
)
def test_no_scored_respondent_is_no_data(text, reason):
    measured = measure(text)
    assert isinstance(measured, NoData)
    assert measured.reason == reason
