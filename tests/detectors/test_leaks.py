"""The error-body leak detector, held to its published accuracy on the labelled cases.

The figures come from ``bench/leak_accuracy.py`` (imported, so the test and the bench judge a
case the same way). The thresholds are those published in ``docs/security.md`` rounded down to
two decimals: a change that loses accuracy fails here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from releasegate.security.leaks import find_leaks

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"id", "body", "leak", "note", "hard"}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "leak_accuracy", ROOT / "bench" / "leak_accuracy.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_cases_are_well_formed_and_balanced():
    cases = bench.load_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    assert all(set(c) <= KEYS and {"id", "body", "leak", "note"} <= set(c) for c in cases)
    leaks = sum(bool(c["leak"]) for c in cases)
    assert leaks >= 20
    assert len(cases) - leaks >= 15
    assert sum(bool(c.get("hard")) for c in cases) >= 15


def test_published_precision_and_recall():
    overall, hard = bench.score(), bench.score(hard_only=True)
    assert overall.precision >= 1.00, overall.wrong
    assert overall.recall >= 0.96, overall.wrong
    assert hard.precision >= 1.00, hard.wrong
    assert hard.recall >= 0.88, hard.wrong


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ('Traceback (most recent call last):\n  File "/app/x.py", line 3', "a Python stack trace"),
        ("sqlite3.OperationalError: no such table: leads", "a database error or SQL"),
    ],
)
def test_the_finding_names_the_kind_and_shows_the_place(body: str, what: str):
    leak = find_leaks(body)[0]
    assert leak.what == what
    assert body.split()[0] in leak.excerpt
