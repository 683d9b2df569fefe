"""Load through the real CLI against the real taxbot: the load stage promotes a healthy build
and blocks latency, error, one-intent and throughput regressions, naming the request name;
load to a host outside the allowed list is refused before any request is sent."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"


def run(*argv: str | Path, faults: str = "", cwd: Path = ROOT, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    if faults:
        env["TAXBOT_FAULTS"] = faults
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def releasegate(*args: str | Path, faults: str = "") -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "releasegate", *args, faults=faults)


def decision_of(reports: Path) -> dict:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return json.loads((run_dir / "decision.json").read_text())


def checks(decision: dict) -> dict[str, dict]:
    return {c["id"]: c for c in decision["checks"]}


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    reports = tmp_path_factory.mktemp("healthy")
    return releasegate("run", "--stage", "load", "--reports", reports), reports


def test_healthy_load_promotes_and_its_evidence_evaluates_again(healthy, tmp_path):
    result, reports = healthy
    assert result.returncode == 0, result.stdout + result.stderr
    # progress while it runs (locust output)
    assert re.search(r"releasegate: load \d+/8 s · 10 users · [\d.]+ req/s · p95", result.stdout)
    decision = decision_of(reports)
    found = checks(decision)
    assert {c["verdict"] for c in found.values() if c["level"] == "block"} == {"PASS"}
    assert found["load_throughput"]["observed"] > 30
    assert found["load_p95_regression"]["verdict"] == "NO_DATA"  # warn: no baseline given
    (evidence,) = (reports / decision["run_id"] / "evidence" / "load").glob("load-*.json")
    data = json.loads(evidence.read_text())["data"]
    names = {e["name"] for e in data["entries"]}
    assert {"chat:appeals", "page", "health", "feedback"} <= names
    assert data["steady_from_s"] >= 1.0  # the ramp-up and warm-up are left out
    assert data["generator"][0]["cpu_seconds"] > 0
    # its own history store: the repository's reports/ is never written by a test
    again = releasegate(
        "evaluate", reports / decision["run_id"], "--stage", "load", "--reports", tmp_path
    )
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.parametrize(
    ("fault", "check", "named"),
    [
        ("slow:400", "load_p95", "chat:"),
        ("errors:0.05", "load_error_rate", "chat:"),
        ("slow_intent:appeals:600", "load_p95_appeals", "chat:appeals"),
        ("lock:40", "load_throughput", "requests per second"),
    ],
)
def test_load_regressions_block_naming_the_request(tmp_path, fault, check, named):
    result = releasegate("run", "--stage", "load", "--reports", tmp_path, faults=fault)
    assert result.returncode == 1, result.stdout + result.stderr
    found = checks(decision_of(tmp_path))
    assert found[check]["verdict"] == "FAIL", found[check]
    assert named in found[check]["reason"]


def test_a_reply_that_breaks_the_policy_is_a_load_failure_of_its_kind(tmp_path):
    """No disclaimer on payment replies: HTTP 200, yet each such turn fails in Locust (judged by
    the same detectors as compliance), and every failure is counted under its kind."""
    result = releasegate(
        "run", "--stage", "load", "--reports", tmp_path, faults="no_disclaimer:payment"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    decision = decision_of(tmp_path)
    error_rate = checks(decision)["load_error_rate"]
    assert error_rate["verdict"] == "FAIL", error_rate
    assert "chat:payment" in error_rate["reason"]
    assert "policy_disclaimer" in error_rate["reason"]
    (evidence,) = (tmp_path / decision["run_id"] / "evidence" / "load").glob("load-*.json")
    entries = json.loads(evidence.read_text())["data"]["entries"]
    (payment,) = [e for e in entries if e["name"] == "chat:payment"]
    for window in (payment["steady"], payment["total"]):
        assert window["failures"] > 0
        assert window["failures_by_kind"] == {"policy_disclaimer": window["failures"]}


def test_a_lock_is_a_throughput_regression_against_the_baseline(healthy, tmp_path):
    _, healthy_reports = healthy
    run_id = decision_of(healthy_reports)["run_id"]
    (baseline,) = (healthy_reports / run_id / "evidence" / "load").glob("load-*.json")
    result = releasegate("run", "--stage", "load", "--reports", tmp_path,
                         "--load-baseline", baseline, faults="lock:40")  # fmt: skip
    assert result.returncode == 1
    found = checks(decision_of(tmp_path))
    ratio = found["load_throughput_regression"]
    assert ratio["verdict"] == "WARN"  # warn level in the default policy
    assert ratio["observed"] < 0.8
    assert str(baseline) in ratio["reason"]
    assert found["load_p95_regression"]["verdict"] == "WARN"


class Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        Counting.hits += 1
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture
def outside_server() -> Iterator[str]:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to serve on")
    server = ThreadingHTTPServer((address, 0), Counting)
    Counting.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{address}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_to_a_host_outside_the_allowed_list_is_refused_before_any_request(
    outside_server, tmp_path
):
    result = releasegate("run", "--stage", "load", "--base-url", outside_server,
                         "--reports", tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert "refusing to send load to" in result.stderr
    assert "allowed_hosts" in result.stderr
    assert "Traceback" not in result.stderr
    located = run(sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless",
                  "--host", outside_server, "-t", "3")  # fmt: skip
    assert located.returncode == 2, located.stderr
    assert "refusing to send load to" in located.stderr
    assert Counting.hits == 0


def test_load_above_the_caps_is_refused(tmp_path):
    result = run(sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless", "-u", "500",
                 "-t", "3")  # fmt: skip
    assert result.returncode == 2
    assert "refusing users 500: above [load] max_users 50" in result.stderr


def test_plain_locust_headless_exits_with_the_verdict_of_the_load_checks(tmp_path):
    argv = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless", "-t", "6",
            "--releasegate-evidence", tmp_path]  # fmt: skip
    failing = run(*argv, faults="errors:0.2")
    assert failing.returncode == 1, failing.stderr[-2000:]
    assert "FAIL    load_error_rate" in failing.stderr
    assert list(tmp_path.glob("load-*.json"))
