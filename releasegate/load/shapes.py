"""Load shapes, chosen with ``--shape`` (or ``[load] shape``): ramp, step, spike, soak.

One ``LoadTestShape`` reads the users, spawn rate and run time Locust was given (from the
command line, the config, or the web UI's form: ``use_common_options``) and the shape's name.

- ramp: spawn at the spawn rate up to the users, hold until the run time ends;
- soak: the same, meant for long run times (hours; raise ``max_duration_s``);
- step: the users in ``[load] steps`` equal steps, each held an equal part of the run time;
- spike: a quarter of the users, all of them in the middle third, a quarter again.
"""

from __future__ import annotations

import math
from typing import Any

from locust import LoadTestShape

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


class GateShape(LoadTestShape):
    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        from releasegate.load.plugin import session_of

        runner: Any = self.runner
        options = runner.environment.parsed_options
        run_time = options.run_time or None
        t = self.get_run_time()
        if run_time and t >= run_time:
            return None
        session = session_of(runner.environment)
        shape = session.settings.shape if session else "ramp"
        steps = session.settings.steps if session else 4
        users = int(options.num_users or 1)
        return users_at(shape, t, users, run_time, steps), float(options.spawn_rate or 1)
