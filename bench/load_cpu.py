"""Locust's CPU per request with this checkout's releasegate beside another revision's, in one
run against one launched taxbot.

Each round runs bench/load_vs_wrk.py's Locust test (ChatUser playing wrk's one-turn
conversation with no think time, every reply judged by the script and every policy detector)
once with each tree, the order alternating between rounds so machine noise hits both alike. The
other revision's ``releasegate/`` and ``loadtests/`` are exported with ``git archive`` and put
first on its Locust's ``PYTHONPATH``.

Prints, per round and as medians with their range: Locust's CPU seconds per 1000 requests of
the steady window (from its load evidence), its throughput, the new/old CPU ratio of each round,
and the load average before and after. Asserts nothing.

    .venv/bin/python bench/load_cpu.py --against REV [--users 10] [--seconds 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_vs_wrk import bench_config, run_locust  # noqa: E402

from releasegate.config import load_config  # noqa: E402
from releasegate.target import launched  # noqa: E402


def export(revision: str, folder: Path) -> Path:
    """``revision``'s releasegate package and locustfile, as files under ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "releasegate", "loadtests"],
        check=True, capture_output=True, cwd=ROOT, timeout=60,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--against",
        required=True,
        metavar="REV",
        help="git revision to compare with (e.g. the commit before a change)",
    )
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()  # fmt: skip
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="load-cpu-") as tmp:
        folder = Path(tmp)
        trees = {"this tree": ROOT, args.against: export(args.against, folder / "against")}
        config = bench_config(folder)
        env_faults = os.environ.pop("TAXBOT_FAULTS", None)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        with launched(load_config(config).target, announce=False, cwd=ROOT) as launch:
            host = launch.ready(announce=False).base_url
            for n in range(args.rounds):
                order = list(trees) if n % 2 == 0 else list(reversed(trees))
                for name in order:
                    results[name].append(run_locust(
                        config, host, args.users, args.seconds, folder / "ev", trees[name]
                    ))  # fmt: skip
                print(f"round {n + 1}: " + " | ".join(
                    f"{name} {results[name][-1]['cpu_per_1000']:.2f} s/1000 req "
                    f"({results[name][-1]['rps']:.1f}/s, CPU "
                    f"{results[name][-1]['cpu_percent']:.0f} %)" for name in trees
                ), flush=True)  # fmt: skip
        if env_faults is not None:
            os.environ["TAXBOT_FAULTS"] = env_faults
    new, old = results["this tree"], results[args.against]
    print(f"\n{started}, {args.users} users, {args.seconds} s each, {args.rounds} rounds, "
          "median (range):")  # fmt: skip
    for name, rows in results.items():
        print(f"{name}: CPU {spread([r['cpu_per_1000'] for r in rows])} s per 1000 requests, "
              f"{spread([r['rps'] for r in rows])} requests/s")  # fmt: skip
    ratios = [a["cpu_per_1000"] / b["cpu_per_1000"] for a, b in zip(new, old, strict=True)]
    print(f"CPU per request, this tree / {args.against}: {spread(ratios)}")
    load_after = os.getloadavg()
    print(f"load average (1, 5, 15 min): before {' '.join(f'{x:.1f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.1f}' for x in load_after)} on {os.cpu_count()} CPUs")  # fmt: skip


if __name__ == "__main__":
    main()
