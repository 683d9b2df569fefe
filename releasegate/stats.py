"""Small-sample statistics for rates: 9 of 9 passing is weaker evidence than 900 of 900."""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval for a success rate ((0, 1) when there are no trials)."""
    if trials <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)


def wilson_lower_bound(successes: int, trials: int, confidence: float) -> float:
    """Lower end of the Wilson score interval for a success rate (0 when there are no trials)."""
    return wilson_interval(successes, trials, confidence)[0]
