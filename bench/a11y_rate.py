"""Page states audited per second by one browser, after it has started: the five chat states of
the bundled taxbot (launched here), each reached in turn in one reused tab (as the suite does)
and audited by every family of checks (axe, keyboard, screen-reader structure), failing elements
photographed into a temporary folder when [a11y] screenshots is on (as the suite does); with
the time each step took per state. Target: at least 2 page states per second per browser.
On a shared machine the rate follows the load; the CPU seconds the process tree (this process,
Playwright's driver, Chromium, taxbot) spends per page state follow it much less, so they are
printed too, with the load average. Prints figures; asserts nothing.

    .venv/bin/python bench/a11y_rate.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.a11y.audit import audit, new_tab  # noqa: E402
from releasegate.a11y.states import targets  # noqa: E402
from releasegate.browser import launch_options  # noqa: E402
from releasegate.config import load_config  # noqa: E402
from releasegate.target import target_session  # noqa: E402

TARGET_RATE = 2.0


def tree_cpu() -> dict[int, float]:
    """CPU seconds so far of this process and each of its descendants, by pid."""
    me = psutil.Process()
    seconds = {}
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def cpu_since(before: dict[int, float]) -> float:
    """CPU seconds the tree spent since ``before`` (processes started since count whole)."""
    return sum(now - before.get(pid, 0.0) for pid, now in tree_cpu().items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    config = load_config(ROOT / "releasegate.toml")
    settings = config.a11y
    states = targets(settings, config.target.page_path)
    rates: list[float] = []
    cpus: list[float] = []  # CPU seconds per page state, one per round
    loads = [os.getloadavg()[0]]
    steps: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with (
        tempfile.TemporaryDirectory() as folder,
        target_session(config.target, announce=False, cwd=config.root) as target,
        sync_playwright() as playwright,
    ):
        shots = Path(folder) if settings.screenshots else None
        browser = playwright.chromium.launch(**launch_options())
        for _ in range(args.rounds):
            looks: dict[str, dict[str, bool | None]] = {}  # as the suite shares them
            tab = new_tab(browser)  # as the suite, every state in one tab
            cpu_before = tree_cpu()
            started = time.perf_counter()
            for state in states:
                began = time.perf_counter()
                done = audit(
                    browser, target.base_url, state, settings, config.target.chat.path, shots,
                    focus_looks=looks.setdefault(state.page, {}), tab=tab,
                )  # fmt: skip
                took = time.perf_counter() - began
                bad = [f.error for f in done.families.values() if f.error]
                if bad:
                    sys.exit(f"{state.id} not scanned: {bad[0]}")
                step = steps[state.state]
                step["reach"].append(done.reach_seconds)
                for source, family in done.families.items():
                    step[source].append(family.seconds)
                checks = sum(f.seconds for f in done.families.values())
                step["other"].append(took - done.reach_seconds - checks)
                step["total"].append(took)
            rates.append(len(states) / (time.perf_counter() - started))
            cpus.append(cpu_since(cpu_before) / len(states))
            loads.append(os.getloadavg()[0])
            tab.context.close()
        browser.close()
    print(f"{len(states)} page states x {args.rounds} rounds, one browser, after its start")
    median = statistics.median(rates)
    print(f"page states per second: median {median:.2f}, min {min(rates):.2f}, "
          f"max {max(rates):.2f}")  # fmt: skip
    print(f"CPU seconds per page state (process tree): median {statistics.median(cpus):.2f}, "
          f"min {min(cpus):.2f}, max {max(cpus):.2f}")  # fmt: skip
    print(f"1-minute load average: {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")
    # "other": screenshots of failing elements, and what the audit does between the steps
    names = ["reach", "axe", "keyboard", "structure", "other", "total"]
    print("\nmedian seconds per page state, by step:")
    print(f"  {'state':<14}" + "".join(f"{name:>10}" for name in names))
    for state, step in steps.items():
        cells = "".join(f"{statistics.median(step[name]):>10.3f}" for name in names)
        print(f"  {state:<14}{cells}")
    every = {name: [v for step in steps.values() for v in step[name]] for name in names}
    cells = "".join(f"{statistics.median(every[name]):>10.3f}" for name in names)
    print(f"  {'all states':<14}{cells}")
    verdict = "meets" if median >= TARGET_RATE else "misses"
    print(f"\n{median:.2f} page states/s {verdict} the target of {TARGET_RATE:g}/s")


if __name__ == "__main__":
    main()
