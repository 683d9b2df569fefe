"""Time and peak memory of ``releasegate evaluate`` on a large run: 100,000 test results (one
pytest session's evidence, as a big nightly suite writes) plus one hour of per-second load
history (a soak test's load evidence).

Target: at most 2 s and 300 MB on the 2-core reference machine. Each run is a fresh process
(what CI pays), timed from start to exit; peak memory is the child's maximum resident set.

Prints figures; asserts nothing.

    .venv/bin/python bench/evaluate_scale.py [--runs 5] [--tests 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.evidence.envelope import Producer, TargetRef, make_evidence  # noqa: E402
from releasegate.evidence.io import write_evidence  # noqa: E402
from releasegate.evidence.kinds.tests import TestResult, TestsData  # noqa: E402
from releasegate.layout import SUITES  # noqa: E402

TARGET_S, TARGET_MB = 2.0, 300
RUN_ID = "20261122T000000Z-bench0"


def write_tests(folder: Path, count: int) -> None:
    """``count`` results over every suite, one in 500 failing (so reasons are built too)."""
    tests = [
        TestResult(
            nodeid=f"suites/{SUITES[i % len(SUITES)]}/test_mod{i // 1000}.py::test_case[{i}]",
            outcome="failed" if i % 500 == 0 else "passed",
            duration_s=0.01,
            markers=[SUITES[i % len(SUITES)]],
            message="AssertionError: expected 200, got 500" if i % 500 == 0 else None,
        )
        for i in range(count)
    ]
    data = TestsData.build(tests, collected=count, exit_code=1)
    evidence = make_evidence(
        data, RUN_ID, "staging", TargetRef(base_url="http://127.0.0.1:1", version="1.0.0"),
        Producer(tool="bench", version="0"), datetime.now(UTC),
    )  # fmt: skip
    write_evidence(folder / "tests.json", evidence)


def write_load_hour(folder: Path) -> None:
    """One hour of per-second load history at 100 requests per second over eight request
    names, with Locust's histograms for each (what a soak test writes)."""
    from releasegate.evidence.kinds.load import LoadData

    names = [f"chat:{n}" for n in ("appeals", "assessment", "exemptions", "payment", "rates",
                                   "greeting", "lead", "handoff")]  # fmt: skip
    per_name = 3600 * 100 // len(names)
    histogram = {str(ms): per_name // 40 for ms in range(10, 410, 10)}
    count = sum(histogram.values())
    window = {"requests": count, "failures": 0, "histogram": histogram}
    data = LoadData.model_validate(
        {
            "host": "http://127.0.0.1:1", "shape": "soak", "users": 50, "spawn_rate": 10.0,
            "duration_s": 3600.0, "elapsed_s": 3600.0, "steady_from_s": 0.0, "steady_s": 3600.0,
            "entries": [
                {"name": n, "method": "POST", "steady": window, "total": window} for n in names
            ],
            "series": [
                {"t": float(t), "users": 50, "requests": 100, "failures": 0, "p50_ms": 120,
                 "p95_ms": 380, "cpu_percent": 35.0}
                for t in range(3600)
            ],
            "generator": [{"role": "local", "id": "local", "cpu_seconds": 1200.0,
                           "wall_seconds": 3600.0}],
        }
    )  # fmt: skip
    evidence = make_evidence(
        data, RUN_ID, "staging", TargetRef(base_url="http://127.0.0.1:1", version="1.0.0"),
        Producer(tool="bench", version="0"), datetime.now(UTC),
    )  # fmt: skip
    write_evidence(folder / "load.json", evidence)


def evaluate_once(folder: Path) -> tuple[float, float]:
    """Seconds and peak MB of one ``releasegate evaluate`` process."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    probe = (
        "import resource, sys; from releasegate.cli import main; code = main(sys.argv[1:]); "
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
        "sys.exit(code)"
    )
    argv = [
        sys.executable, "-c", probe, "evaluate", str(folder), "--stage", "staging",
        "--run-id", RUN_ID, "--reports", str(folder.parent / "reports"),
        "--config", str(ROOT / "releasegate.toml"),
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"evaluate failed (exit {result.returncode}): {result.stderr[-2000:]}")
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("MAXRSS")]
    return elapsed, int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tests", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "evidence"
        folder.mkdir()
        write_tests(folder, args.tests)
        write_load_hour(folder)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"evidence: {args.tests} test results + one hour of per-second load history, "
              f"{size:.1f} MB on disk")  # fmt: skip
        samples = [evaluate_once(folder) for _ in range(args.runs)]
    seconds = [s for s, _ in samples]
    megabytes = [m for _, m in samples]
    median = statistics.median(seconds)
    spread = (max(seconds) - min(seconds)) / median * 100
    print(
        f"releasegate evaluate: median {median:.2f} s (min {min(seconds):.2f}, max "
        f"{max(seconds):.2f}, spread {spread:.0f} %, {args.runs} runs); target <= {TARGET_S} s"
    )
    print(f"peak memory: median {statistics.median(megabytes):.0f} MB (max "
          f"{max(megabytes):.0f} MB); target <= {TARGET_MB} MB")  # fmt: skip


if __name__ == "__main__":
    main()
