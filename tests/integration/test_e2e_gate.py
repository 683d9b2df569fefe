"""The e2e journeys through the real CLI: every journey fault of taxbot blocks staging naming
the journey that caught it, the journeys run on another bot's page (a fake Rasa web chat with
its own markup), a failed journey leaves a screenshot and a trace, and a browser that dies
mid-suite still ends in a written BLOCK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"
FAKE_DISCLAIMER = (
    "General information only, not tax advice. Confirm details with your local tax office."
)
PAGE_JOURNEYS = "suites/e2e/test_page_journeys.py"
API_JOURNEYS = "suites/e2e/test_api_journeys.py"

E2E_STAGE = """
[stages.journeys]
suites = ["e2e"]
checks = ["e2e_pass_rate", "e2e_min_tests"]
"""

E2E_CHECKS = """
[policy.checks.e2e_pass_rate]
metric = "tests.pass_rate"
select = {suite = "e2e"}
op = ">="
threshold = 1.0
min_samples = 10

[policy.checks.e2e_min_tests]
metric = "tests.executed"
select = {suite = "e2e"}
op = ">="
threshold = 10
"""

RASA_PAGE = """
default_stage = "journeys"

[target]
name = "rasa-webchat"
launch = "{{python}} {fakes}/rasa_rest.py --port {{port}} {faults}"
capabilities = ["health", "version", "page"]
health_path = "/"
page_path = "/chat"

[target.chat]
preset = "rasa"

[target.page]
input = "#say"
send = "button.rw-send"
log = "#transcript"
user_message = "li.rw-client"
assistant_message = "li.rw-response"
error = "css=[role=alert]"
handoff_notice = "#handoff"
"""


def releasegate(
    *args: str | Path, cwd: Path = ROOT, faults: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    clean["COLUMNS"] = "250"  # a CI log's width: test names are not folded across lines
    if faults:
        clean["TAXBOT_FAULTS"] = faults
    return subprocess.run(
        [sys.executable, "-m", "releasegate", *map(str, args)],
        cwd=cwd,
        env=clean | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def only_run(reports: Path) -> Path:
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir() and p.name != "latest"]
    return run_dir


def checks_of(run_dir: Path) -> dict[str, dict]:
    decision = json.loads((run_dir / "decision.json").read_text())
    assert decision["decision"] in ("PROMOTE", "BLOCK")
    return {c["id"]: c for c in decision["checks"]}


def taxbot_journeys(folder: Path) -> Path:
    """taxbot's own config with a stage that runs the e2e suite alone."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "releasegate.toml").write_text((ROOT / "releasegate.toml").read_text() + E2E_STAGE)
    (folder / "conversations").mkdir(exist_ok=True)
    (folder / "conversations" / "policy.yaml").write_text(
        (ROOT / "conversations" / "policy.yaml").read_text()
    )
    return folder


def rasa_page(folder: Path, faults: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    flags = f"--fault {faults}" if faults else ""
    config = RASA_PAGE.format(fakes=FAKES, faults=flags) + E2E_STAGE + E2E_CHECKS
    (folder / "releasegate.toml").write_text(config)
    (folder / "conversations").mkdir(exist_ok=True)
    (folder / "conversations" / "policy.yaml").write_text(
        f"disclaimers:\n  - id: fake-v1\n    text: {FAKE_DISCLAIMER}\n"
    )
    return folder


@pytest.mark.parametrize(
    ("fault", "journeys", "stage"),
    [
        (
            "lose_session",
            [
                f"{PAGE_JOURNEYS}::test_page_lead_qualification_ends_with_a_stored_reference",
                f"{PAGE_JOURNEYS}::test_page_rating_is_stored_and_counted",
                f"{PAGE_JOURNEYS}::test_page_keeps_the_session_across_turns",
            ],
            "staging",
        ),
        (
            "feedback_unstored",
            [
                f"{PAGE_JOURNEYS}::test_page_rating_is_stored_and_counted",
                f"{API_JOURNEYS}::test_api_feedback_is_stored_and_counted",
            ],
            "journeys",
        ),
        (
            "lead_unsaved",
            [
                f"{PAGE_JOURNEYS}::test_page_lead_qualification_ends_with_a_stored_reference",
                f"{API_JOURNEYS}::test_api_lead_qualification_then_lookup",
            ],
            "journeys",
        ),
        (
            "emoji_500",
            [
                f"{PAGE_JOURNEYS}::test_page_unicode_and_emoji",
                f"{API_JOURNEYS}::test_api_unicode_and_emoji[skin_tone_emoji]",
                f"{API_JOURNEYS}::test_api_unicode_and_emoji[joined_emoji]",
            ],
            "journeys",
        ),
    ],
)
def test_each_journey_fault_blocks_naming_the_journey(
    tmp_path, narrow_stage, fault, journeys, stage
):
    """One fault blocks the whole staging gate; the others a stage of smoke and the journeys
    with staging's e2e checks."""
    where = []
    if stage == "journeys":
        where = ["--config", narrow_stage("journeys", ["e2e"], ["e2e_pass_rate", "e2e_min_tests"])]
    reports = tmp_path / "reports"
    result = releasegate("run", "--stage", stage, *where, "--reports", reports, faults=fault)
    assert result.returncode == 1, result.stdout + result.stderr
    (verdict,) = [line for line in result.stdout.splitlines() if line.startswith("BLOCK: ")]
    assert "e2e_pass_rate FAIL" in verdict  # lead_unsaved also fails the lead conversations
    failing = [line for line in result.stdout.splitlines() if "failing: suites/e2e/" in line]
    named = {line.split("failing: ", 1)[1].split(" ", 1)[0] for line in failing}
    assert {n.removesuffix("[chromium]") for n in named} == set(journeys), result.stdout
    checks = checks_of(only_run(reports))
    assert checks["smoke_pass_rate"]["verdict"] == "PASS"
    assert checks["e2e_pass_rate"]["verdict"] == "FAIL"
    assert all(journey in checks["e2e_pass_rate"]["reason"] for journey in journeys)


def test_no_feedback_blocks_at_smoke_and_in_the_journeys(tmp_path):
    """Smoke catches it first in staging (and the later phases are skipped); the journeys catch
    it on their own too: no rating control on the page, a 404 from the API."""
    staging = releasegate("run", "--reports", tmp_path / "staging", faults="no_feedback")
    assert staging.returncode == 1, staging.stdout + staging.stderr
    assert "failing: suites/smoke/test_smoke.py::test_feedback_is_accepted" in staging.stdout
    assert checks_of(only_run(tmp_path / "staging"))["e2e_pass_rate"]["verdict"] == "NO_DATA"

    folder = taxbot_journeys(tmp_path / "project")
    result = releasegate("run", "--stage", "journeys", cwd=folder, faults="no_feedback")
    assert result.returncode == 1, result.stdout + result.stderr
    reason = checks_of(only_run(folder / "reports"))["e2e_pass_rate"]["reason"]
    assert "14 of 16 e2e tests passed, 2 failed" in reason
    assert (
        f"{PAGE_JOURNEYS}::test_page_rating_is_stored_and_counted[chromium] [failed]: "
        "AssertionError: no rating control after the answer within 5 s "
        "(target.page.feedback = 'testid=feedback')"
    ) in reason
    assert f"{API_JOURNEYS}::test_api_feedback_is_stored_and_counted [failed]: " in reason


def test_a_failed_journey_leaves_a_screenshot_and_a_trace_also_in_allure(tmp_path):
    folder = taxbot_journeys(tmp_path / "project")
    result = releasegate("run", "--stage", "journeys", cwd=folder, faults="lead_unsaved")
    assert result.returncode == 1, result.stdout + result.stderr
    run_dir = only_run(folder / "reports")
    allure = run_dir / "allure-results"  # every run keeps its own
    (kept,) = (run_dir / "artifacts").iterdir()  # only the failed page journey keeps any
    assert "test-page-lead-qualification" in kept.name
    (png,) = kept.glob("*.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with zipfile.ZipFile(kept / "trace.zip") as trace:
        assert any(name.endswith(".trace") for name in trace.namelist())
    where = f"reports/{run_dir.name}/artifacts"
    assert f"screenshots and traces of the failed browser tests are in {where}" in result.stderr

    (failed,) = [
        r
        for r in map(json.loads, map(Path.read_text, allure.glob("*-result.json")))
        if r["name"].startswith("test_page_lead_qualification") and r["status"] == "failed"
    ]
    attached = {a["type"]: allure / a["source"] for a in failed["attachments"]}
    assert attached["image/png"].read_bytes() == png.read_bytes()
    assert attached["application/zip"].read_bytes() == (kept / "trace.zip").read_bytes()


def test_the_journeys_run_on_another_bots_page(tmp_path):
    """A Rasa web chat of different markup: the journeys it can do pass, the ones it has no
    capability for are named as not applicable, never passed."""
    folder = rasa_page(tmp_path / "rasa")
    result = releasegate("run", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    reason = checks_of(only_run(folder / "reports"))["e2e_pass_rate"]["reason"]
    assert reason == (
        "12 of 12 e2e tests (4 not applicable to this target: "
        "test_api_feedback_is_stored_and_counted, test_api_lead_qualification_then_lookup, "
        "test_page_lead_qualification_ends_with_a_stored_reference[chromium], "
        "test_page_rating_is_stored_and_counted[chromium]) passed"
    )


def test_another_bots_page_that_loses_the_conversation_blocks(tmp_path):
    folder = rasa_page(tmp_path / "rasa", faults="page_new_sender")
    result = releasegate("run", cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BLOCK: e2e_pass_rate FAIL" in result.stdout
    reason = checks_of(only_run(folder / "reports"))["e2e_pass_rate"]["reason"]
    assert "11 of 12 e2e tests" in reason
    assert (
        f"{PAGE_JOURNEYS}::test_page_keeps_the_session_across_turns[chromium] [failed]: "
        "AssertionError: the page's conversation ids changed: ['web-"
    ) in reason


def test_a_browser_that_dies_mid_suite_fails_the_journeys_and_still_blocks(tmp_path, wait_gone):
    folder = taxbot_journeys(tmp_path / "project")
    log = tmp_path / "chromium.pids"
    result = releasegate(
        "run", "--stage", "journeys", cwd=folder,
        env={
            "PYTEST_ADDOPTS": "-p kill_browser",
            "PYTHONPATH": str(ROOT / "tests" / "fixtures"),
            "KILL_BROWSER_LOG": str(log),
        },
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BLOCK: e2e_pass_rate FAIL" in result.stdout
    checks = checks_of(only_run(folder / "reports"))
    reason = checks["e2e_pass_rate"]["reason"]
    assert (
        f"{PAGE_JOURNEYS}::test_page_lead_qualification_ends_with_a_stored_reference[chromium] "
        "[failed]: "
    ) in reason
    assert "Target page, context or browser has been closed" in reason
    pids = [int(line) for line in log.read_text().split()]
    assert pids, "no Chromium process was found to kill"
    assert all(wait_gone(pid) for pid in pids), "a Chromium process of the run is left"


def test_pytest_m_e2e_needs_no_options():
    env = {k: v for k, v in os.environ.items() if k not in ("TAXBOT_FAULTS", "PYTEST_ADDOPTS")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "e2e", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 passed" in result.stdout
