"""Wall time of ``pytest -m security`` from a cold process, target launch and Chromium
included, and the CPU time it costs (its process tree: pytest, taxbot, the browser). On a shared
machine both swell with other tenants' load, so ``pytest -m smoke`` (1.8 s on an idle reference
machine, ``docs/benchmarks.md``) runs interleaved as a yardstick, and the load average is printed
beside each run.

Target: median <= 15 s on the 2-core reference machine. Prints figures; asserts nothing.

    .venv/bin/python bench/security_wall.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 15.0
SMOKE_IDLE_S = 1.81  # docs/benchmarks.md, idle reference machine


def pytest_m(marker: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-m", marker, "-q", "-p", "no:cacheprovider"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(marker: str) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    cpu_before = children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        pytest_m(marker), cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pytest -m {marker} failed (exit {result.returncode}):\n{result.stdout[-2000:]}")
    return elapsed, children_cpu() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cpus, smokes = [], [], []
    for i in range(args.runs):
        load = os.getloadavg()[0]
        wall, cpu = run_once("security")
        smoke, _ = run_once("smoke")
        walls.append(wall)
        cpus.append(cpu)
        smokes.append(smoke)
        print(
            f"run {i + 1}/{args.runs}: security wall {wall:.2f} s, cpu {cpu:.2f} s; "
            f"smoke wall {smoke:.2f} s; load {load:.1f}"
        )
    median = statistics.median(walls)
    ratio = statistics.median(w / s for w, s in zip(walls, smokes, strict=True))
    print(
        f"pytest -m security: wall median {median:.2f} s (min {min(walls):.2f}, max "
        f"{max(walls):.2f}), cpu median {statistics.median(cpus):.2f} s, n={len(walls)}; "
        f"{ratio:.1f} x smoke (idle estimate {ratio * SMOKE_IDLE_S:.1f} s); "
        f"target <= {TARGET_S:.0f} s: {'met' if median <= TARGET_S else 'NOT met'} as measured"
    )


if __name__ == "__main__":
    main()
