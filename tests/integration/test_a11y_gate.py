"""The a11y gate through the real CLI: taxbot's accessibility faults BLOCK naming the rule or
keyboard finding and the state; a plain static site is audited page by page, and its 404 page
is NO_DATA, never a pass."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from releasegate.target import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def releasegate(
    *args: str | Path, faults: str = "", cwd: Path = ROOT, addopts: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    if faults:
        env["TAXBOT_FAULTS"] = faults
    if addopts:
        env["PYTEST_ADDOPTS"] = addopts
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def only_run(reports: Path) -> Path:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return run_dir


# A stage with only the a11y suite (and smoke, which runs first), so each fault costs one
# short run; the staging stage itself is run with the a11y fault below.
A11Y_CHECKS = [
    "a11y_states_scanned", "a11y_wcag", "a11y_keyboard", "a11y_screen_reader",
    "a11y_best_practice",
]  # fmt: skip


def _checks(run_dir: Path) -> dict[str, dict[str, object]]:
    decision = json.loads((run_dir / "decision.json").read_text())
    return {c["id"]: c for c in decision["checks"]}


def test_a11y_fault_blocks_staging_naming_rules_and_states(tmp_path):
    result = releasegate("run", "--stage", "staging", "--reports", tmp_path, faults="a11y")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BLOCK: a11y_wcag FAIL, a11y_keyboard FAIL, a11y_screen_reader FAIL" in result.stdout
    assert "failing: html-has-lang (serious WCAG 3.1.1) on / [empty]: html:" in result.stdout
    assert "failing: focus-not-visible (serious WCAG 2.4.7) on / [empty]: #chat-input" in (
        result.stdout
    )
    run_dir = only_run(tmp_path)
    checks = _checks(run_dir)
    assert checks["a11y_states_scanned"]["verdict"] == "PASS"  # the faults hide nothing
    assert checks["tests_pass_rate"]["verdict"] == "PASS"  # the a11y checks alone block
    shots = sorted((run_dir / "a11y").glob("*.png"))
    assert shots, "no screenshot of a failing element"
    (evidence,) = (run_dir / "evidence" / "functional").glob("a11y-*.json")
    findings = json.loads(evidence.read_text())["data"]["findings"]
    contrast = next(f for f in findings if f["rule"] == "color-contrast")
    assert contrast["criteria"] == ["1.4.3"]
    assert contrast["help_url"].startswith("https://dequeuniversity.com/rules/axe/")
    assert {f["screenshot"] for f in findings if f["screenshot"]} <= {
        f"a11y/{p.name}" for p in shots
    }


@pytest.fixture
def a11y_config(narrow_stage) -> Path:
    return narrow_stage("a11y", ["a11y"], A11Y_CHECKS)


@pytest.mark.parametrize(
    ("fault", "check", "named"),
    [
        (
            "a11y_speakers",
            "a11y_screen_reader",
            "failing: speakers-not-announced (serious WCAG 1.3.1) on / [conversation]",
        ),
        (
            "a11y_live",
            "a11y_screen_reader",
            "failing: chat-log-not-announced (serious WCAG 4.1.3) on / [empty]",
        ),
        (
            "a11y_focus",
            "a11y_keyboard",
            "failing: focus-not-returned (serious WCAG 2.4.3) on / [empty]",
        ),
    ],
)
def test_each_a11y_fault_blocks(tmp_path, a11y_config, fault, check, named):
    reports = tmp_path / "reports"
    result = releasegate(
        "run", "--stage", "a11y", "--config", a11y_config, "--reports", reports, faults=fault
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"BLOCK: {check} FAIL" in result.stdout
    assert named in result.stdout
    run_dir = only_run(reports)
    if fault == "a11y_focus":
        assert "after sending, focus stays on #send-button" in (run_dir / "decision.md").read_text()
    checks = _checks(run_dir)
    assert {c: v["verdict"] for c, v in checks.items() if v["verdict"] != "PASS"} == {check: "FAIL"}


def test_speakers_that_differ_only_in_colour_block(tmp_path, a11y_config):
    reports = tmp_path / "reports"
    result = releasegate(
        "run", "--stage", "a11y", "--config", a11y_config, "--reports", reports,
        faults="a11y_speakers",
    )  # fmt: skip
    assert "speakers-colour-only (serious WCAG 1.4.1) on / [conversation]" in result.stdout


STATIC_CONFIG = """
default_stage = "audit"

[target]
name = "static-site"
capabilities = []

[a11y]
pages = ["/", "/about.html", "/missing.html"]
chat_states = []

[stages.audit]
suites = ["a11y"]
checks = ["pages_scanned", "wcag"]

[policy.checks.pages_scanned]
metric = "a11y.states_scanned"
op = ">="
threshold = 3

[policy.checks.wcag]
metric = "a11y.new_violations"
select = {source = "axe", level = "block"}
op = "=="
threshold = 0
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><p>Example site</p></header>
<main><h1>{title}</h1><p>Plain text on a plain page.</p>{extra}
<p><a href="/">Home</a></p></main></body></html>
"""


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE.format(title="Home", extra=""))
    (site / "about.html").write_text(
        PAGE.format(title="About", extra='<img src="team.png" width="40" height="40">')
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(url, timeout=0.5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_static_site_is_audited_per_page_and_its_404_is_no_data(tmp_path, static_site):
    (tmp_path / "releasegate.toml").write_text(STATIC_CONFIG)
    shutil.copytree(ROOT / "conversations", tmp_path / "conversations")
    reports = tmp_path / "reports"
    result = releasegate(
        "run", "--stage", "audit", "--base-url", static_site, "--reports", reports, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    checks = _checks(only_run(reports))
    assert checks["pages_scanned"]["verdict"] == "FAIL"
    assert checks["pages_scanned"]["observed"] == 2
    assert checks["wcag"]["verdict"] == "NO_DATA"
    assert (
        "/missing.html [loaded] axe: /missing.html answered HTTP 404" in (checks["wcag"]["reason"])
    )
    (evidence,) = (only_run(reports) / "evidence" / "functional").glob("a11y-*.json")
    data = json.loads(evidence.read_text())["data"]
    scanned = {(s["page"], s["source"]): s["ok"] for s in data["scans"]}
    assert scanned[("/", "axe")]
    assert scanned[("/about.html", "axe")]
    assert not scanned[("/missing.html", "axe")]
    found = {(f["page"], f["rule"]) for f in data["findings"] if f["source"] == "axe"}
    assert found == {("/about.html", "image-alt")}
    (image_alt,) = [f for f in data["findings"] if f["rule"] == "image-alt"]
    shot = only_run(reports) / image_alt["screenshot"]
    assert shot.read_bytes().startswith(b"\x89PNG")
    allure = only_run(reports) / "allure-results"  # every pytest phase of a run writes there
    attached = [p.read_bytes() for p in allure.glob("*-attachment.png")]
    assert shot.read_bytes() in attached  # the same picture in the Allure results
