"""The history store against a real PostgreSQL server (Debian's, started by the test), and
through the real CLI: a second run compares with the first."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from releasegate.gate.decision import Decision, TargetInfo
from releasegate.history import History

ROOT = Path(__file__).resolve().parent.parent.parent


def decision(verdict: str, run_id: str) -> Decision:
    return Decision(
        decision=verdict,
        stage="staging",
        run_id=run_id,
        target=TargetInfo(base_url="http://127.0.0.1:1", version="2.0.0", name="taxbot"),
        policy_sha256="0" * 64,
        checks=[],
        evidence=[],
    )


def test_runners_sharing_a_postgresql_history_see_each_others_baselines(postgres_url, tmp_path):
    runner_a = History.default(tmp_path / "a", postgres_url)
    runner_b = History.default(tmp_path / "b", postgres_url)
    now = datetime.now(UTC)
    runner_a.record(decision("PROMOTE", "run-1"), now, {"suites/smoke/test_x.py::test_ok"})
    runner_b.record(decision("BLOCK", "run-2"), now, set())
    baseline = runner_b.baseline("taxbot", "staging")
    assert baseline is not None
    assert baseline.decision.run_id == "run-1"
    assert baseline.passed_tests == {"suites/smoke/test_x.py::test_ok"}
    assert [e.run_id for e in runner_a.recent(limit=5)] == ["run-2", "run-1"]
    assert not (tmp_path / "a").exists()  # nothing written locally


def releasegate(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_second_run_compares_with_the_first_and_history_lists_both(tmp_path):
    first = releasegate("run", "--stage", "smoke", "--reports", tmp_path)
    assert first.returncode == 0, first.stderr
    assert "history: decision #1 recorded in" in first.stderr
    assert "BASELINE" not in first.stdout
    second = releasegate("run", "--stage", "smoke", "--reports", tmp_path)
    assert second.returncode == 0, second.stderr
    assert "BASELINE" in second.stdout
    assert "(history #1, version 1.0.0)" in second.stdout
    listed = releasegate("history", "--reports", tmp_path, "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["stage"], r["decision"]) for r in rows] == [
        (2, "smoke", "PROMOTE"),
        (1, "smoke", "PROMOTE"),
    ]
    table = releasegate("history", "--reports", tmp_path, "--stage", "staging")
    assert table.returncode == 0
    assert "no decisions recorded" in table.stdout
    bad = releasegate("history", "--reports", tmp_path, "--limit", "0")
    assert bad.returncode == 2
    assert "--limit: expected a positive whole number, got '0'" in bad.stderr
