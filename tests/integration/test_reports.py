"""What a run leaves for people: the HTML summary, allure-results with our environment and
categories, and Allure 3's report built from them by ``releasegate report``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def releasegate(*args: object, cwd: Path = ROOT, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    reports = tmp_path_factory.mktemp("reports")
    result = releasegate("run", "--stage", "smoke", "--reports", reports)
    assert result.returncode == 0, result.stdout + result.stderr
    return (reports / "latest").resolve()


def test_a_run_leaves_a_summary_and_allure_results_with_our_metadata(smoke_run):
    assert "PROMOTE" in (smoke_run / "summary.html").read_text()
    results = smoke_run / "allure-results"
    outcomes = [json.loads(p.read_text())["status"] for p in results.glob("*-result.json")]
    assert outcomes.count("passed") == 10  # the ten smoke tests
    environment = (results / "environment.properties").read_text()
    assert "releasegate.decision=PROMOTE" in environment
    assert "target.version=1.0.0" in environment
    categories = json.loads((results / "categories.json").read_text())
    assert categories[0]["name"] == "Not applicable to this target"


def test_report_builds_allures_html_report(smoke_run):
    result = releasegate("report", smoke_run)
    assert result.returncode == 0, result.stderr
    index = smoke_run / "allure-report" / "index.html"
    assert f"Allure report: {index}" in result.stdout
    assert index.stat().st_size > 0


def test_report_without_allure_says_how_to_install_it(smoke_run, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RELEASEGATE_ALLURE"}
    env["PATH"] = str(Path(sys.executable).parent) + ":/usr/bin:/bin"
    result = releasegate("report", smoke_run, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "the allure command is not installed: npm install -g allure@3.18.0" in result.stderr
    missing = releasegate("report", tmp_path / "nope", cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert "report: no such run folder:" in missing.stderr
