"""The load shape Locust runs, chosen with ``--shape`` (or ``[load] shape``): see ``plan``.

One ``LoadTestShape`` reads the users, spawn rate and run time Locust was given (from the
command line, the config, or the web UI's form: ``use_common_options``) and the session's
shape.
"""

from __future__ import annotations

from typing import Any

from locust import LoadTestShape

from releasegate.load.plan import wanted


class GateShape(LoadTestShape):
    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        from releasegate.load.plugin import session_of

        runner: Any = self.runner
        options = runner.environment.parsed_options
        session = session_of(runner.environment)
        return wanted(
            self.get_run_time(), int(options.num_users or 1), float(options.spawn_rate or 1),
            options.run_time or None, session.settings if session else None,
        )  # fmt: skip
