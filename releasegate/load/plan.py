"""What a load shape asks for at each moment of a test: ramp, step, spike, soak, and when the
test ends. Locust-free (``shapes`` wraps it in Locust's ``LoadTestShape``), so it is tested in
any process.

- ramp: spawn at the spawn rate up to the users, hold until the run time ends;
- soak: the same, meant for long run times (hours; raise ``max_duration_s``);
- step: the users in ``[load] steps`` equal steps, each held an equal part of the run time;
- spike: a quarter of the users, all of them in the middle third, a quarter again.

A test with no run time (started from the web UI with the field cleared) runs until stopped,
and at most ``[load] max_duration_s``.
"""

from __future__ import annotations

import logging
import math

from releasegate.load.settings import LoadSettings

OPEN_ENDED_S = 60.0  # the period of step and spike when no run time is given (web UI)


def users_at(shape: str, t: float, users: int, run_time: float | None, steps: int) -> int:
    """How many users the shape wants ``t`` seconds into the test."""
    period = run_time or OPEN_ENDED_S
    if shape == "step":
        step = min(steps, int(t // (period / steps)) + 1)
        return max(1, math.ceil(users * step / steps))
    if shape == "spike":
        base = max(1, users // 4)
        return users if period / 3 <= t % period < 2 * period / 3 else base
    return users


def wanted(
    t: float, users: int, spawn_rate: float, run_time: float | None, settings: LoadSettings | None
) -> tuple[int, float] | None:
    """Users and spawn rate ``t`` seconds in, or None when the test is over. ``settings``: the
    session's [load] (None when Locust runs without releasegate's options: a plain ramp)."""
    if run_time and t >= run_time:
        return None
    if run_time is None and settings is not None and t >= settings.max_duration_s:
        logging.getLogger(__name__).warning(
            "releasegate: stopping at [load] max_duration_s = %g s (raise it in the config for "
            "longer open-ended tests)", settings.max_duration_s,
        )  # fmt: skip
        return None
    shape, steps = (settings.shape, settings.steps) if settings else ("ramp", 4)
    return users_at(shape, t, users, run_time, steps), spawn_rate
