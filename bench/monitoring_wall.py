"""Wall time of the monitoring part of a release gate, on the real taxbot and Prometheus.

Three figures, interleaved so machine noise hits them alike:

- ``releasegate run --stage monitoring``: a stage with only the monitoring suite and the
  monitoring checks (counters, files, SLIs, up), i.e. target launch, Prometheus launch and
  first scrape, the suite, the last scrape and the SLI queries, the decision;
- Prometheus alone: launch to its first scrape of a running taxbot, and stop;
- ``pytest suites -m monitoring --base-url URL`` against a running taxbot, as the runner
  starts it (the built-in suites only): the suite's own share of a staging run (target:
  <= 10 s beyond Prometheus's start).

Prints figures; asserts nothing.

    .venv/bin/python bench/monitoring_wall.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.config import load_config  # noqa: E402
from releasegate.layout import builtin_suites  # noqa: E402
from releasegate.monitoring.prometheus import launched  # noqa: E402
from releasegate.target import target_session  # noqa: E402

SUITE_TARGET_S = 10.0
STAGE = """
[stages.monitoring]
description = "Only the monitoring suite and checks (bench/monitoring_wall.py)"
suites = ["monitoring"]
checks = ["monitoring_pass_rate", "counters_move", "monitoring_files_valid",
          "dashboard_metrics_exist", "api_error_ratio", "chat_latency_p95", "target_up"]
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}


def project(folder: Path) -> Path:
    """This repository's config with a monitoring-only stage, in a folder of its own."""
    text = (ROOT / "releasegate.toml").read_text()
    text = text.replace('"taxbot/monitoring/', f'"{ROOT}/taxbot/monitoring/')
    text = text.replace("[stages.smoke]", STAGE.lstrip() + "\n[stages.smoke]", 1)
    # the API error ratio needs 50 requests: the suite alone sends fewer
    text = text.replace("min_samples = 50", "min_samples = 5")
    (folder / "releasegate.toml").write_text(text)
    (folder / "conversations").mkdir(exist_ok=True)
    shutil.copy(ROOT / "conversations" / "policy.yaml", folder / "conversations" / "policy.yaml")
    return folder


def time_stage(folder: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "releasegate", "run", "--stage", "monitoring", "--reports", "r"],
        cwd=folder, env=_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"the monitoring stage did not promote:\n{result.stdout[-3000:]}{result.stderr}")
    return elapsed


def time_prometheus_and_suite(log: Path) -> tuple[float, float]:
    config = load_config(ROOT / "releasegate.toml")
    with target_session(config.target, announce=False, cwd=ROOT) as target:
        started = time.perf_counter()
        with launched(config.monitoring, target.base_url, "/metrics", None, log) as prometheus:
            while prometheus.last_scrape(config.monitoring.job, time.time()) is None:
                time.sleep(0.05)
            first_scrape = time.perf_counter() - started
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(builtin_suites()), "-m", "monitoring", "-q",
             "-p", "no:cacheprovider", "--base-url", target.base_url],
            cwd=ROOT, env=_env(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        suite = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pytest -m monitoring failed:\n{result.stdout[-3000:]}")
    return first_scrape, suite


def describe(name: str, samples: list[float]) -> str:
    median = statistics.median(samples)
    return (
        f"{name:<52} median {median:6.2f} s  min {min(samples):6.2f}  max {max(samples):6.2f}"
        f"  (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    stage, prometheus, suite = [], [], []
    with tempfile.TemporaryDirectory(prefix="rg-bench-monitoring-") as tmp:
        folder = project(Path(tmp))
        for i in range(args.runs):
            stage.append(time_stage(folder))
            first, own = time_prometheus_and_suite(Path(tmp) / "prometheus.log")
            prometheus.append(first)
            suite.append(own)
            print(
                f"run {i + 1}/{args.runs}: stage {stage[-1]:.2f} s, prometheus to first scrape "
                f"{first:.2f} s, suite {own:.2f} s",
                flush=True,
            )
    print(describe("releasegate run --stage monitoring", stage))
    print(describe("prometheus launch to its first scrape of taxbot", prometheus))
    print(describe("pytest suites -m monitoring (the suite's share)", suite))
    median = statistics.median(suite)
    verdict = "within" if median <= SUITE_TARGET_S else "OVER"
    print(f"target: suite median <= {SUITE_TARGET_S:.0f} s: {verdict} ({median:.2f} s)")


if __name__ == "__main__":
    main()
