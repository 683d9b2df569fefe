"""What the pytest plugin costs a session: pytest loads it (``pytest11``) in every session
wherever releasegate is installed, so it must stay cheap for tests that never use it.

Two figures, interleaved in one run so machine noise hits them alike:

- the entry module's import time beyond pytest itself (``python -X importtime``, cumulative
  microseconds of ``releasegate.plugin``, pytest and playwright imported first);
- a one-test pytest session in an empty folder with the plugin loaded and with
  ``-p no:releasegate``: the wall-time difference is what a non-user pays.

Prints figures; asserts nothing.

    .venv/bin/python bench/plugin_import.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRY = "releasegate.plugin"


def import_ms() -> float:
    code = f"import pytest, playwright; import {ENTRY}"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stderr.splitlines() if re.search(rf"\| {ENTRY}$", x))
    return int(line.split("|")[1]) / 1000


def session_s(folder: Path, plugin: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)]
    argv += [] if plugin else ["-p", "no:releasegate"]
    started = time.perf_counter()
    subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def describe(name: str, samples: list[float], unit: str) -> str:
    median = statistics.median(samples)
    spread = (max(samples) - min(samples)) / median * 100 if median else 0.0
    return (
        f"{name:<44} median {median:8.1f} {unit}  min {min(samples):8.1f}  "
        f"max {max(samples):8.1f}  spread {spread:3.0f} %"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    imports: list[float] = []
    with_plugin: list[float] = []
    without: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_plain.py").write_text("def test_plain():\n    assert True\n")
        session_s(folder, True)  # warm the bytecode caches
        for _ in range(runs):
            imports.append(import_ms())
            with_plugin.append(session_s(folder, True) * 1000)
            without.append(session_s(folder, False) * 1000)
    print(f"n = {runs}, interleaved")
    print(describe(f"import {ENTRY} (beyond pytest)", imports, "ms"))
    print(describe("one-test session, plugin loaded", with_plugin, "ms"))
    print(describe("one-test session, -p no:releasegate", without, "ms"))
    medians = statistics.median(with_plugin) - statistics.median(without)
    minimums = min(with_plugin) - min(without)
    print(
        f"{'what a session that does not use it pays':<44} {medians:+.0f} ms between medians, "
        f"{minimums:+.0f} ms between minimums (session noise is larger than the import)"
    )


if __name__ == "__main__":
    main()
