"""Customer satisfaction through the real CLI: from an exported CSV, and from taxbot's own
feedback counter after the smoke suite rated an answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def run_with(tmp_path: Path, human: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    config = (
        (ROOT / "releasegate.toml")
        .read_text()
        .replace(
            'checks = ["smoke_pass_rate", "smoke_min_tests"]',
            'checks = ["smoke_pass_rate", "smoke_min_tests", "satisfaction"]',
            1,
        )
        .replace("min_samples = 20", "min_samples = 1")
    )
    (tmp_path / "releasegate.toml").write_text(config + "\n[human]\n" + human)
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "policy.yaml").write_text(
        (ROOT / "conversations" / "policy.yaml").read_text()
    )
    env = {k: v for k, v in os.environ.items() if k != "TAXBOT_FAULTS"}
    result = subprocess.run(
        [sys.executable, "-m", "releasegate", "run", "--stage", "smoke", "--reports", "reports"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    decisions = list((tmp_path / "reports").glob("*/decision.json"))
    decision = json.loads(decisions[0].read_text()) if decisions else {}
    return result, decision


def satisfaction(decision: dict) -> dict:
    return next(c for c in decision["checks"] if c["id"] == "satisfaction")


@pytest.mark.parametrize(
    ("ratings", "verdict", "reason"),
    [
        (["5", "4", "5", "3", "5"], "PASS", "4 of 5 ratings are 4 or 5"),  # 80 %: just enough
        (["5", "4", "5", "5", "five"], "PASS", "4 of 4 ratings are 4 or 5; 1 malformed row(s)"),
        (["2", "1", "3"], "FAIL", "0 of 3 ratings are 4 or 5"),
        ([], "NO_DATA", "no feedback rating to judge"),
    ],
)
def test_exported_ratings_are_gated(tmp_path, ratings, verdict, reason):
    rows = ["id,rating", *[f"r{i},{r}" for i, r in enumerate(ratings)]]
    (tmp_path / "ratings.csv").write_text("\n".join(rows) + "\n")
    result, decision = run_with(tmp_path, 'csat = "ratings.csv"\n')
    check = satisfaction(decision)
    assert (check["verdict"], result.returncode) == (verdict, 0 if verdict == "PASS" else 1)
    assert reason in check["reason"]


def test_the_targets_feedback_counter_is_read_after_the_suites(tmp_path):
    result, decision = run_with(tmp_path, 'csat_metric = "taxbot_feedback_total"\n')
    assert result.returncode == 0, result.stdout + result.stderr
    check = satisfaction(decision)
    assert check["verdict"] == "PASS"
    assert "1 of 1 ratings are 4 or 5" in check["reason"]  # smoke rated one answer 5 stars
