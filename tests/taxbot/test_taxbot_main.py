"""``python -m taxbot``: a real server process, and one-line configuration errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import taxbot
from taxbot.__main__ import main

PROJECT_ROOT = Path(taxbot.__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serves_real_http_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TAXBOT_VERSION": "7.0.0"}
    env.pop("TAXBOT_FAULTS", None)
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "taxbot", "--port", str(port), "--db", str(tmp_path / "t.db")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        health = None
        while time.monotonic() - started < 5 and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert health is not None, server.stderr.read() if server.poll() is not None else ""
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        version = httpx.get(f"http://127.0.0.1:{port}/version", timeout=2)
        assert version.json() == {"name": "taxbot", "version": "7.0.0"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
    assert server.returncode == -signal.SIGTERM
    assert b"Traceback" not in server.stderr.read()
    assert (tmp_path / "t.db").exists()
    assert not (tmp_path / "t.db-wal").exists()  # the database was closed on shutdown


def test_bad_faults_exit_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("TAXBOT_FAULTS", "promise, foo")
    assert main(["--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "taxbot: TAXBOT_FAULTS: unknown fault 'foo' (known: a11y, down, echo_pii, errors, "
        "injection, lock, no_disclaimer, no_feedback, no_metrics, promise, slow, slow_intent)\n"
    )


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--port", "http"], "taxbot: argument --port: port must be a number from 0 to 65535"),
        (["--port", "70000"], "got '70000'"),
        (["--log-level", "loud"], "argument --log-level: invalid choice: 'loud'"),
        (["--frobnicate"], "taxbot: unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(monkeypatch, capsys, argv, problem):
    monkeypatch.delenv("TAXBOT_FAULTS", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert problem in err


def test_unusable_database_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("TAXBOT_FAULTS", raising=False)
    assert main(["--db", str(tmp_path)]) == 2  # a directory, not a file
    err = capsys.readouterr().err
    assert err.startswith(f"taxbot: cannot open database '{tmp_path}': ")
    assert err.count("\n") == 1
