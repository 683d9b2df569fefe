"""Monitoring through the real CLI: ``releasegate run --stage staging`` against the real taxbot
with a real Prometheus blocks every monitoring regression, naming the metric, and leaves no
Prometheus process behind; Prometheus that cannot start is exit 2 (or NO_DATA, when optional).
"""

from __future__ import annotations

import fnmatch
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def releasegate(
    *args: str | Path, faults: str = "", cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    env = {**environ, **(env or {})}
    if faults:
        env["TAXBOT_FAULTS"] = faults
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def decision_of(reports: Path) -> dict[str, Any]:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return json.loads((run_dir / "decision.json").read_text())


def checks_of(decision: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in decision["checks"]}


def prometheus_left(reports: Path) -> str:
    """Prometheus processes of this run still alive (its port is in the SLI evidence)."""
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    urls = {
        sli["prometheus"]
        for f in run_dir.glob("evidence/prometheus/monitoring-*.json")
        for sli in json.loads(f.read_text())["data"]["slis"]
    }
    assert urls, "no SLI evidence"
    assert "none" not in urls, f"no launched Prometheus recorded: {urls}"
    left = ""
    for url in urls:
        address = url.removeprefix("http://")
        found = subprocess.run(
            ["pgrep", "-af", f"web.listen-address={address}"], capture_output=True, text=True
        )
        left += found.stdout
    return left


def test_healthy_staging_promotes_with_slis_from_prometheus_and_leaves_no_process(tmp_path):
    result = releasegate("run", "--stage", "staging", "--reports", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = checks_of(decision_of(tmp_path))
    for check in (
        "monitoring_pass_rate",
        "counters_move",
        "monitoring_files_valid",
        "dashboard_metrics_exist",
        "api_error_ratio",
        "chat_latency_p95",
        "target_up",
    ):
        assert checks[check]["verdict"] == "PASS", checks[check]
    assert checks["api_error_ratio"]["observed"] == 0
    assert checks["api_error_ratio"]["samples"] >= 50  # requests in the window
    assert 0 < checks["chat_latency_p95"]["observed"] < 1
    assert checks["target_up"]["observed"] == 1
    assert "compared exactly in a quiet window" in checks["counters_move"]["reason"]
    assert prometheus_left(tmp_path) == ""


# A stage of smoke and the monitoring suite, with staging's monitoring checks and one SLI (so
# Prometheus is launched); staging itself needs its other suites' traffic for the error ratio.
MONITORING_CHECKS = [
    "monitoring_pass_rate", "counters_move", "monitoring_files_valid", "dashboard_metrics_exist",
    "target_up",
]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "check", "named", "stage"),
    [
        ("stuck_metrics", "counters_move",
         'taxbot_disclaimers_shown_total{intent="payment"} (disclaimers): expected * +1, '
         "observed +0", "monitoring"),
        ("renamed_metric", "dashboard_metrics_exist",
         "taxbot/monitoring/dashboard.json panel \"Handoffs to a human\"", "monitoring"),
        ("renamed_metric", "counters_move", "taxbot_handoffs_total (handoffs): expected * "
         "+1, observed missing from /metrics", "monitoring"),
        ("errors:0.05", "api_error_ratio", "SLI 'api_error_ratio' = 0.0", "staging"),
    ],
)  # fmt: skip
def test_monitoring_faults_block_naming_the_metric(
    tmp_path, narrow_stage, fault, check, named, stage
):
    where = []
    if stage == "monitoring":
        where = ["--config", narrow_stage("monitoring", ["monitoring"], MONITORING_CHECKS)]
    reports = tmp_path / "reports"
    result = releasegate("run", "--stage", stage, *where, "--reports", reports, faults=fault)
    assert result.returncode == 1, result.stdout + result.stderr
    decision = decision_of(reports)
    assert decision["decision"] == "BLOCK"
    found = checks_of(decision)[check]
    assert found["verdict"] == "FAIL", found
    # 2 xdist workers: counters are exact in a quiet window, else lower bounds
    assert fnmatch.fnmatch(found["reason"], f"*{named}*")
    assert prometheus_left(reports) == ""


def test_a_readiness_probe_that_ignores_the_database_blocks_staging(tmp_path):
    result = releasegate(
        "run", "--stage", "staging", "--reports", tmp_path, faults="ready_without_db"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    checks = checks_of(decision_of(tmp_path))
    # the database is really gone: chat answers 503, so smoke blocks first ...
    assert checks["smoke_pass_rate"]["verdict"] == "FAIL"
    assert "database_unavailable" in checks["smoke_pass_rate"]["reason"]
    # ... while the probe still says ready: smoke's readiness test passes, which is the lie
    assert "test_ready_with_dependencies" not in checks["smoke_pass_rate"]["reason"]
    # the monitoring suite names the lie itself
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "monitoring", "-q", "-p", "no:cacheprovider",
         "--tb=line", "-k", "readiness"],
        cwd=ROOT, env={**env, "TAXBOT_FAULTS": "ready_without_db"}, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert suite.returncode == 1, suite.stdout + suite.stderr
    assert (
        "FAILED suites/monitoring/test_monitoring.py::test_readiness_tells_the_truth"
        in suite.stdout
    )
    assert "/readyz answered 200" in suite.stdout
    assert "but the bot cannot serve: POST /api/chat answered 503" in suite.stdout


def test_no_metrics_blocks_staging(tmp_path):
    result = releasegate("run", "--stage", "staging", "--reports", tmp_path, faults="no_metrics")
    assert result.returncode == 1, result.stdout + result.stderr
    checks = checks_of(decision_of(tmp_path))
    assert "test_metrics_are_exposed" in checks["smoke_pass_rate"]["reason"]
    assert checks["target_up"]["verdict"] == "NO_DATA"


SMOKE_WITH_UP = (
    'checks = ["smoke_pass_rate", "smoke_min_tests"]',
    'checks = ["smoke_pass_rate", "smoke_min_tests", "target_up"]',
)


def _project(tmp_path: Path, monitoring_extra: str) -> Path:
    """This repository's config in tmp_path, the smoke stage also reading target_up."""
    text = (ROOT / "releasegate.toml").read_text().replace(*SMOKE_WITH_UP, 1)
    text = text.replace('prometheus = "launch"\n', f'prometheus = "launch"\n{monitoring_extra}', 1)
    text = text.replace('launch = "{python} -m taxbot', f'launch = "{sys.executable} -m taxbot', 1)
    (tmp_path / "releasegate.toml").write_text(text)
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "policy.yaml").write_text(
        (ROOT / "conversations" / "policy.yaml").read_text()
    )
    return tmp_path


def _failing_prometheus(tmp_path: Path) -> Path:
    script = tmp_path / "prometheus"
    script.write_text(
        "#!/bin/sh\necho 'err=\"opening storage failed: lock DB directory\"'\nexit 1\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_smoke_can_gate_on_target_up(tmp_path):
    project = _project(tmp_path, "")
    result = releasegate("run", "--stage", "smoke", "--reports", "reports", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert checks_of(decision_of(project / "reports"))["target_up"]["verdict"] == "PASS"
    assert prometheus_left(project / "reports") == ""


def test_prometheus_missing_is_exit_2_naming_it(tmp_path):
    project = _project(tmp_path, 'executable = "/nonexistent/prometheus"\n')
    result = releasegate("run", "--stage", "smoke", "--reports", "reports", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "no '/nonexistent/prometheus' executable on PATH" in result.stderr


def test_prometheus_failing_to_start_is_exit_2_with_its_last_lines(tmp_path):
    script = _failing_prometheus(tmp_path)
    project = _project(tmp_path, f'executable = "{script}"\n')
    result = releasegate("run", "--stage", "smoke", "--reports", "reports", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "prometheus exited with code 1 before it was ready; its last output:" in result.stderr
    assert "opening storage failed: lock DB directory" in result.stderr


def test_optional_prometheus_failing_makes_the_sli_checks_no_data(tmp_path):
    script = _failing_prometheus(tmp_path)
    project = _project(tmp_path, f'executable = "{script}"\nrequired = false\n')
    result = releasegate("run", "--stage", "smoke", "--reports", "reports", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    up = checks_of(decision_of(project / "reports"))["target_up"]
    assert up["verdict"] == "NO_DATA"
    assert "no Prometheus: prometheus exited with code 1" in up["reason"]


def test_production_reads_slis_from_the_users_own_prometheus(tmp_path):
    """The production stage after a deploy: the deployment given by --base-url, already scraped
    by production's Prometheus (here one this test runs, as job taxbot, with traffic of its own
    before the run); the run starts nothing and looks back over that traffic."""
    import requests

    from releasegate.config import load_config
    from releasegate.monitoring.config import Monitoring
    from releasegate.monitoring.prometheus import launched
    from releasegate.target import target_session

    config = load_config(ROOT / "releasegate.toml")
    theirs = Monitoring(job="taxbot", scrape_interval_s=0.5)
    with (
        target_session(config.target, announce=False, cwd=ROOT) as target,
        launched(theirs, target.base_url, "/metrics", None, tmp_path / "p.log") as prometheus,
    ):
        with requests.Session() as users:  # production's traffic since the deploy
            # theirs is a server that already runs: it has scraped the chat counters' series
            # (a series' first scrape is where Prometheus starts counting its increase)
            users.post(f"{target.base_url}/api/chat", json={"message": "hello"}, timeout=10)
            first = time.time()
            deadline = time.monotonic() + 30
            while (prometheus.last_scrape("taxbot", time.time()) or 0) <= first:
                assert time.monotonic() < deadline, "the test's own Prometheus never scraped"
                time.sleep(0.2)
            for _ in range(60):
                users.post(f"{target.base_url}/api/chat", json={"message": "hello"}, timeout=10)
        result = releasegate(
            "run", "--stage", "production", "--base-url", target.base_url,
            "--reports", tmp_path / "reports", env={"PROMETHEUS_URL": prometheus.url},
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"reading SLIs from {prometheus.url} (job taxbot)" in result.stderr
        assert "nothing launched" in result.stderr
    checks = checks_of(decision_of(tmp_path / "reports"))
    assert {c: checks[c]["verdict"] for c in ("target_up", "api_error_ratio")} == {
        "target_up": "PASS",
        "api_error_ratio": "PASS",
    }
    assert checks["chat_latency_p95"]["verdict"] == "PASS"
    assert checks["api_error_ratio"]["samples"] >= 60  # the traffic before the run counted
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir() and p.name != "latest"]
    (evidence,) = run_dir.glob("evidence/prometheus/monitoring-*.json")
    slis = {s["name"]: s for s in json.loads(evidence.read_text())["data"]["slis"]}
    assert slis["target_up"]["prometheus"] == prometheus.url
    assert slis["target_up"]["value"] == 1
    assert "[300" in slis["target_up"]["query"]  # the 5-minute lookback
    assert 'up{job="taxbot"}' in slis["target_up"]["query"]
    assert not (run_dir / "prometheus.log").exists()  # nothing launched by the run


def test_production_without_its_prometheus_url_is_exit_2_naming_the_variable(tmp_path):
    result = releasegate(
        "run", "--stage", "production", "--base-url", "http://127.0.0.1:9",
        "--reports", tmp_path, env={"PROMETHEUS_URL": ""},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "stages.production.monitoring.prometheus reads the environment variable PROMETHEUS_URL, "
        "which is not set" in result.stderr
    )
    assert list(tmp_path.iterdir()) == []  # refused before any run folder


def test_a_broken_dashboard_and_rule_file_are_named_with_file_and_line(tmp_path):
    """``pytest -m monitoring`` in a project whose dashboard is not JSON and whose rule file
    promtool rejects: each failure names the file and the line."""
    (tmp_path / "dash.json").write_text('{\n  "panels": [\n    {"title": "x",}\n  ]\n}\n')
    (tmp_path / "alerts.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(rate(x[5m])\n"
    )
    project = _project(tmp_path, "")
    text = (project / "releasegate.toml").read_text()
    text = text.replace('["taxbot/monitoring/dashboard.json"]', '["dash.json"]', 1)
    text = text.replace('["taxbot/monitoring/alerts.yml"]', '["alerts.yml"]', 1)
    (project / "releasegate.toml").write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "monitoring", "-q", "-p", "no:cacheprovider",
         "--tb=line", "-k", "file"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "dash.json: line 3 column 19: not valid JSON" in result.stdout
    assert f"alerts.yml: promtool check rules: {project / 'alerts.yml'}: 5:15:" in result.stdout
    assert "4 failed" in result.stdout
