"""Wall time of the compliance suite against the bundled taxbot, target launch included, and
what it covered: conversations, cases, judged turns, obligated turns per rule.

Prints figures; asserts nothing.

    .venv/bin/python bench/compliance_wall.py [--runs 5] [--fuzz ci|thorough]
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


def run_once(fuzz: str) -> tuple[float, dict[str, int]]:
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            sys.executable, "-m", "pytest", "-m", "compliance", "-q", "-p", "no:cacheprovider",
            "--releasegate-evidence", tmp, "--releasegate-fuzz", fuzz,
        ]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(
                f"pytest -m compliance failed (exit {result.returncode}):\n{result.stdout[-3000:]}"
            )
        (path,) = Path(tmp).glob("compliance-*.json")
        data = json.loads(path.read_text())["data"]
    turns = data["turns"]
    counts = {
        "conversations": len({c["conversation"] for c in data["conversations"]}),
        "cases": len(data["conversations"]),
        "judged turns": sum(t["judged"] for t in turns),
    }
    for rule in ("disclaimer", "promise", "escalation", "pii", "injection"):
        counts[f"obligated: {rule}"] = sum(
            o["applies"] for t in turns for o in t["obligations"] if o["rule"] == rule
        )
    return elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fuzz", choices=("ci", "thorough"), default="ci")
    args = parser.parse_args()
    walls = []
    counts: dict[str, int] = {}
    for n in range(1, args.runs + 1):
        elapsed, counts = run_once(args.fuzz)
        walls.append(elapsed)
        print(f"run {n}/{args.runs}: {elapsed:.2f} s", flush=True)
    median = statistics.median(walls)
    spread = (max(walls) - min(walls)) / median * 100
    print(
        f"pytest -m compliance (fuzz {args.fuzz}): median {median:.2f} s, min {min(walls):.2f}, "
        f"max {max(walls):.2f}, spread {spread:.0f} % (n={args.runs})"
    )
    for name, value in counts.items():
        print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
