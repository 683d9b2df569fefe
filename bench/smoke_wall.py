"""Wall time of ``pytest -m smoke`` from a cold process, target launch included.

Target: median <= 3 s on the 2-core reference machine. Also times the target's launch alone
(process start to first HTTP answer), side by side in the same run, so a regression can be
placed in the target or in the harness. Prints figures; asserts nothing.

    .venv/bin/python bench/smoke_wall.py [--runs 7]
"""

from __future__ import annotations

import argparse
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


def time_smoke() -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "smoke", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
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
        f"{name:<28} median {median:6.3f} s  min {min(samples):6.3f}  max {max(samples):6.3f}  "
        f"spread {spread:4.0f} % of median  (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    smoke, launch = [], []
    for i in range(args.runs):  # interleaved, so machine noise hits both alike
        smoke.append(time_smoke())
        launch.append(time_launch())
        print(f"run {i + 1}/{args.runs}: smoke {smoke[-1]:.3f} s, launch {launch[-1]:.3f} s")
    print(describe("pytest -m smoke (cold)", smoke))
    print(describe("target launch to first HTTP", launch))
    median = statistics.median(smoke)
    verdict = "within" if median <= TARGET_S else "OVER"
    print(f"target <= {TARGET_S:.1f} s median: {verdict} ({median:.3f} s)")


if __name__ == "__main__":
    main()
