"""The HTML summary: one self-contained file whose charts really render in Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from releasegate.evidence.io import read_folders
from releasegate.gate.evaluate import GateRequest, evaluate
from releasegate.history import History
from releasegate.report.summary import write_summary


@pytest.fixture
def summary(smoke_config, write_tests, tmp_path):
    write_tests([("passed", "smoke")] * 6 + [("failed", "smoke")])
    evidence = read_folders([tmp_path / "evidence"])
    decision = evaluate(
        GateRequest(
            config=smoke_config, stage="staging", evidence=evidence, now=datetime.now(UTC),
            home=tmp_path,
        )
    )  # fmt: skip
    history = History.default(tmp_path, None)
    now = datetime.now(UTC)
    for verdict in ("PROMOTE", "BLOCK", "PROMOTE"):
        history.record(decision.model_copy(update={"decision": verdict}), now, set())
    history.record(decision, now, set())
    trend = history.recent(target="taxbot", stage="staging")
    return write_summary(tmp_path, decision, evidence, trend, None)


def test_the_summary_needs_no_network(summary):
    page = summary.read_text()
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "BLOCK" in page
    assert "suites/smoke/test_x.py::test_6" in page  # the failing test, in the check's reason


def test_its_charts_render_in_chromium(summary, tmp_path, browser):
    """pytest-playwright's browser (Debian's chromium through releasegate's launch arguments):
    a sync_playwright() of its own would clash with the session's."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(summary.as_uri())
    figures = page.locator("figure")
    captions = figures.locator("figcaption").all_inner_texts()
    assert captions[0] == "Pass rate by suite"
    assert captions[-1] == "Decision trend (staging)"
    for name in ("Pass rate by suite", "Decision trend (staging)"):
        chart = figures.filter(has_text=name).locator("svg").first
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 80
        # drawn marks, not an empty frame: bars and dots are paths in matplotlib's SVG
        assert chart.locator("path").count() > 10
    assert page.get_by_text("no compliance evidence in this run").is_visible()
    assert page.get_by_text("Lead qualification accuracy").is_visible()
    page.screenshot(path=tmp_path / "summary.png", full_page=True)
    page.close()
    assert (tmp_path / "summary.png").stat().st_size > 10_000
