from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from releasegate.stats import wilson_lower_bound


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [(9, 9, 0.7008), (7, 7, 0.6457), (90, 100, 0.8256), (0, 10, 0.0), (0, 0, 0.0)],
)
def test_known_values(successes, trials, expected):
    assert wilson_lower_bound(successes, trials, 0.95) == pytest.approx(expected, abs=1e-4)


@given(st.integers(1, 500), st.data())
def test_bound_never_exceeds_the_observed_rate(trials, data):
    successes = data.draw(st.integers(0, trials))
    assert 0.0 <= wilson_lower_bound(successes, trials, 0.95) <= successes / trials + 1e-12


@given(st.integers(1, 300))
def test_more_perfect_samples_mean_a_higher_bound(trials):
    assert wilson_lower_bound(trials + 1, trials + 1, 0.9) > wilson_lower_bound(trials, trials, 0.9)
