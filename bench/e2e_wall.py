"""Wall time of the e2e journeys against the bundled taxbot: a cold ``pytest -m e2e`` from the
project root (target launch and Chromium start included), and the e2e suite's share of a
``releasegate run --stage staging`` (the summed durations of its tests in the functional
phase, setup and teardown included, so the browser's start counts).

Prints figures; asserts nothing.

    .venv/bin/python bench/e2e_wall.py [--runs 3] [--staging-runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}


def pytest_e2e() -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            sys.executable, "-m", "pytest", "-m", "e2e", "-q", "-p", "no:cacheprovider",
            "--releasegate-evidence", tmp,
        ]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"pytest -m e2e failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
        (path,) = Path(tmp).glob("tests-*.json")
        return elapsed, durations(path)


def durations(evidence: Path) -> dict[str, float]:
    tests = json.loads(evidence.read_text())["data"]["tests"]
    return {t["nodeid"]: t["duration_s"] for t in tests if "e2e" in t["markers"]}


def staging_share() -> tuple[float, float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "releasegate", "run", "--reports", tmp]
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"releasegate run failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
        (path,) = [
            p
            for p in Path(tmp).glob("*/evidence/functional/tests-*.json")
            if p.parts[-4] != "latest"
        ]
        found = durations(path)
        return elapsed, sum(found.values()), found


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(values):.2f} s, min {min(values):.2f}, "
        f"max {max(values):.2f} (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--staging-runs", type=int, default=3)
    args = parser.parse_args()
    walls: list[float] = []
    per_test: dict[str, list[float]] = {}
    for n in range(1, args.runs + 1):
        elapsed, found = pytest_e2e()
        walls.append(elapsed)
        for nodeid, seconds in found.items():
            per_test.setdefault(nodeid, []).append(seconds)
        print(f"pytest -m e2e run {n}/{args.runs}: {elapsed:.2f} s", flush=True)
    shares: list[float] = []
    stagings: list[float] = []
    for n in range(1, args.staging_runs + 1):
        elapsed, share, _ = staging_share()
        stagings.append(elapsed)
        shares.append(share)
        print(
            f"staging run {n}/{args.staging_runs}: {elapsed:.2f} s, e2e {share:.2f} s", flush=True
        )
    if walls:
        print(summary("pytest -m e2e (cold, from the project root)", walls))
        for nodeid, seconds in sorted(per_test.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {statistics.median(seconds):6.2f} s  {nodeid}")
    if shares:
        print(summary("e2e suite within releasegate run --stage staging", shares))
        print(summary("the whole staging run", stagings))


if __name__ == "__main__":
    main()
