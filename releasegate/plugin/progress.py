"""A progress feed for a bar drawn by another process (``releasegate run``): one line per
event, appended to a file. Under pytest-xdist the workers report the total they collected and
the controller, which sees every report, counts the finished tests."""

from __future__ import annotations

from pathlib import Path

import pytest


class ProgressFeed:
    def __init__(self, config: pytest.Config) -> None:
        self.path = Path(config.getoption("releasegate_progress"))
        self.is_worker = hasattr(config, "workerinput")

    def _write(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as feed:
            feed.write(line + "\n")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._write(f"total {len(session.items)}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return  # the controller gets this report too
        finished = report.when == "call" or (report.when == "setup" and not report.passed)
        if finished:
            self._write("done")
