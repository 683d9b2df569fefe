"""The rollback drill through the real CLI: the candidate writes, the previous release starts on
the same database and must serve what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def releasegate(*args: object, faults: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TAXBOT_FAULTS"}
    if faults:
        env["TAXBOT_FAULTS"] = faults
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_rollback_that_keeps_the_data_promotes(tmp_path):
    result = releasegate("run", "--stage", "rollback-drill", "--reports", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rolled back 1.0.0 -> 0.9.0" in result.stdout
    assert "2 of 2 records the candidate wrote are still served" in result.stdout
    run_dir = (tmp_path / "latest").resolve()
    assert json.loads((run_dir / "decision.json").read_text())["target"]["version"] == "0.9.0"
    assert (run_dir / "candidate" / "target.log").is_file()
    assert (run_dir / "previous" / "target.log").is_file()


def test_a_schema_change_the_previous_release_cannot_read_blocks_naming_what_was_lost(tmp_path):
    result = releasegate(
        "run", "--stage", "rollback-drill", "--reports", tmp_path, faults="schema_change"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BLOCK: rollback_data_kept FAIL" in result.stdout
    assert "0 of 2 records the candidate wrote are still served" in result.stdout
    assert "failing: lead: lead PT-100001: GET /api/leads/PT-100001 answered 404" in result.stdout
    assert "failing: feedback: feedback 1: GET /api/feedback/1 answered 404" in result.stdout


def test_a_drill_cannot_test_a_given_deployment(tmp_path):
    result = releasegate(
        "run", "--stage", "rollback-drill", "--base-url", "http://127.0.0.1:9", "--reports",
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "stage rollback-drill is a rollback drill" in result.stderr
    assert list(tmp_path.iterdir()) == []
