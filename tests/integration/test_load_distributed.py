"""Distributed load on loopback: a master and two workers give one merged load evidence file;
a worker that dies mid-test makes every load check NO_DATA (the load was not what was asked)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from releasegate.target import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
LOCUSTFILE = str(ROOT / "loadtests" / "locustfile.py")


def start(*args: str, read: bool = True) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "TAXBOT_FAULTS"}
    return subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", LOCUSTFILE, *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE if read else subprocess.DEVNULL, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def distributed(tmp_path: Path, seconds: int, kill_one_after: float | None = None
                ) -> tuple[int, str, dict]:  # fmt: skip
    port = str(free_port())
    master = start("--master", "--headless", "--expect-workers", "2", "-t", f"{seconds}s",
                   "--expect-workers-max-wait", "60",
                   "--master-bind-host", "127.0.0.1", "--master-bind-port", port,
                   "--releasegate-evidence", str(tmp_path))  # fmt: skip
    workers = [start("--worker", "--master-host", "127.0.0.1", "--master-port", port, read=False)
               for _ in range(2)]  # fmt: skip
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:  # the master's output, noting when the users start
        assert master.stdout is not None
        for line in master.stdout:
            lines.append(line)
            if " users at " in line:  # "Ramping to" / "Shape test updating to" N users at R
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if kill_one_after is not None:
            # after the test started, however slowly the processes came up on a busy machine
            assert started.wait(90), "".join(lines)[-3000:]
            time.sleep(kill_one_after)
            workers[0].send_signal(signal.SIGKILL)
        master.wait(timeout=seconds + 90)
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=30)
        reader.join(timeout=30)
    output = "".join(lines)
    (evidence,) = tmp_path.glob("load-*.json")
    return master.returncode, output, json.loads(evidence.read_text())


def test_master_with_two_workers_writes_merged_evidence(tmp_path):
    code, output, evidence = distributed(tmp_path, 10)
    data = evidence["data"]
    assert data["workers"] == {"expected": 2, "connected": 2, "lost": []}
    roles = sorted(p["role"] for p in data["generator"])
    assert roles == ["master", "worker", "worker"]
    steady = sum(e["steady"]["requests"] for e in data["entries"])
    assert steady > 100
    assert code == 0, output[-3000:]


def test_a_worker_lost_mid_test_makes_the_evidence_no_data(tmp_path):
    code, output, evidence = distributed(tmp_path, 12, kill_one_after=4)
    assert len(evidence["data"]["workers"]["lost"]) == 1
    assert code == 1
    assert "NO_DATA load_p95" in output
    assert "went missing mid-test" in output
