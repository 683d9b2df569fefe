"""Wall time of ``pytest -m smoke`` from a cold process, target launch included.

Target: median <= 3 s on the 2-core reference machine. Three figures, interleaved in one run so
machine noise hits them alike:

- ``pytest -m smoke``: what an engineer types (Python's bytecode cache on, as by default);
- the same with ``PYTHONDONTWRITEBYTECODE=1`` (some sandboxes and CI images set it): pytest then
  re-rewrites every asserting module on each start;
- the target's launch alone (process start to first HTTP answer), to place a regression in the
  target or in the harness.

Prints figures; asserts nothing.

    .venv/bin/python bench/smoke_wall.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.config import load_config  # noqa: E402
from releasegate.target import target_session  # noqa: E402

TARGET_S = 3.0
SMOKE = [sys.executable, "-m", "pytest", "-m", "smoke", "-q", "-p", "no:cacheprovider"]


def time_smoke(bytecode_cache: bool) -> float:
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "TAXBOT_FAULTS")
    }
    if not bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    started = time.perf_counter()
    result = subprocess.run(SMOKE, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pytest -m smoke failed (exit {result.returncode}):\n{result.stdout[-2000:]}")
    return elapsed


def time_launch() -> float:
    target = load_config(ROOT / "releasegate.toml").target
    started = time.perf_counter()
    with target_session(target, announce=False):
        return time.perf_counter() - started


def describe(name: str, samples: list[float]) -> str:
    median = statistics.median(samples)
    spread = (max(samples) - min(samples)) / median * 100
    return (
        f"{name:<44} median {median:6.3f} s  min {min(samples):6.3f}  max {max(samples):6.3f}"
        f"  spread {spread:3.0f} %  (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    time_smoke(bytecode_cache=True)  # warm the bytecode cache once, as any second run has it
    cached, uncached, launch = [], [], []
    for i in range(args.runs):
        cached.append(time_smoke(bytecode_cache=True))
        uncached.append(time_smoke(bytecode_cache=False))
        launch.append(time_launch())
        print(
            f"run {i + 1}/{args.runs}: smoke {cached[-1]:.3f} s, without bytecode cache "
            f"{uncached[-1]:.3f} s, launch {launch[-1]:.3f} s",
            flush=True,
        )
    print(describe("pytest -m smoke", cached))
    print(describe("pytest -m smoke, PYTHONDONTWRITEBYTECODE=1", uncached))
    print(describe("target launch to first HTTP answer", launch))
    median = statistics.median(cached)
    verdict = "within" if median <= TARGET_S else "OVER"
    print(f"target: median <= {TARGET_S:.1f} s: {verdict} ({median:.3f} s)")


if __name__ == "__main__":
    main()
