"""Locust's web UI in Chromium: the "Release gate" tab shows the policy's load checks judged
live, and a test started and stopped there writes load evidence that ``evaluate`` accepts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, expect

from releasegate.target import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def wait_for(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout_s} s")


def web_ui(evidence: Path) -> tuple[subprocess.Popen[str], int]:
    """Locust's web UI on a free loopback port, for the bundled target, writing evidence to
    ``evidence``; the caller waits for it and stops it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TAXBOT_FAULTS"}
    locust = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
         "--web-host", "127.0.0.1", "--web-port", str(port),
         "--releasegate-evidence", str(evidence)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    return locust, port


def test_release_gate_tab_judges_live_and_stopping_writes_evidence(page: Page, tmp_path):
    locust, port = web_ui(tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url)
        page.goto(url)
        page.get_by_text("Advanced options").click()
        page.locator("input[name=runTime]").fill("")  # until stopped, as people run it
        page.get_by_role("button", name="Start").click()
        page.get_by_role("tab", name="Release gate").click()
        row = page.get_by_role("row").filter(has_text="load_error_rate")
        expect(row).to_contain_text("PASS", timeout=30_000)  # judged live by the gate's code
        p95 = page.get_by_role("row").filter(has_text="load_p95_appeals")
        expect(p95).to_contain_text("<= 400 ms")
        expect(page.get_by_role("row").filter(has_text="load_p95_regression")).to_contain_text(
            "NO_DATA"
        )
        page.screenshot(path=str(tmp_path / "release-gate-tab.png"))
        page.get_by_role("button", name="Stop").click()
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob("load-*.json")) and time.monotonic() < deadline:
            time.sleep(0.5)
        (evidence,) = tmp_path.glob("load-*.json")
    finally:
        locust.terminate()
        output = locust.communicate(timeout=60)[0]
    assert "load evidence written to" in output
    evaluated = subprocess.run(
        [sys.executable, "-m", "releasegate", "evaluate", str(tmp_path), "--stage", "load",
         "--reports", str(tmp_path / "reports")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # accepted: judged from this evidence (PROMOTE, or BLOCK when this busy machine starved the
    # generator or the target), never a usage error or missing evidence
    assert evaluated.returncode in (0, 1), evaluated.stdout + evaluated.stderr
    assert "no 'load' evidence" not in evaluated.stdout
    assert "unusable evidence" not in evaluated.stdout
    assert re.search(r"load_error_rate +block +PASS", evaluated.stdout), evaluated.stdout
    assert evidence.stat().st_size > 0


def test_the_start_button_refuses_a_host_outside_the_list_and_load_above_the_caps(tmp_path):
    """What the web UI's start button posts (``/swarm``), refused before Locust starts a user."""
    locust, port = web_ui(tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/")
        start = {"user_count": "1", "spawn_rate": "1", "host": ""}
        outside = requests.post(
            url + "/swarm", data={**start, "host": "http://192.0.2.1:8080"}, timeout=10
        )
        assert outside.status_code == 400
        assert outside.json()["success"] is False
        assert "refusing to send load to 192.0.2.1" in outside.json()["message"]
        too_many = requests.post(url + "/swarm", data={**start, "user_count": "51"}, timeout=10)
        assert too_many.status_code == 400
        assert "refusing users 51: above [load] max_users 50" in too_many.json()["message"]
        too_long = requests.post(url + "/swarm", data={**start, "run_time": "2h"}, timeout=10)
        assert (
            "refusing duration 7200: above [load] max_duration_s 900" in too_long.json()["message"]
        )
        assert requests.get(url + "/stats/requests", timeout=10).json()["state"] == "ready"
    finally:
        locust.terminate()
        locust.communicate(timeout=60)
    assert not list(tmp_path.glob("load-*.json"))  # no test ran, so no evidence
