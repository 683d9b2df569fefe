"""Every rendering of a decision carries the same checks, verdicts and reasons."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from releasegate.errors import UserError
from releasegate.evidence.io import read_folders
from releasegate.gate.decision import Decision
from releasegate.gate.evaluate import GateRequest, evaluate
from releasegate.report.console import render
from releasegate.report.files import read_decision, write_decision
from releasegate.report.junit import render_junit
from releasegate.report.markdown import render_markdown


@pytest.fixture
def blocked(smoke_config, write_tests, tmp_path) -> Decision:
    write_tests([*[("passed", "smoke")] * 5, ("failed", "smoke")])
    return evaluate(
        GateRequest(
            config=smoke_config,
            stage="staging",
            evidence=read_folders([tmp_path / "evidence"]),
            now=datetime.now(UTC),
        )
    )


def test_console_shows_each_check_with_observed_threshold_and_reason(blocked):
    text = render(blocked)
    assert "stage staging" in text
    assert "taxbot 1.0.0 at http://127.0.0.1:9" in text
    row = next(line for line in text.splitlines() if line.startswith("smoke_pass_rate"))
    assert row.split() == ["smoke_pass_rate", "block", "FAIL", "83.3", "%", ">=", "100.0", "%", "6"]
    assert "5 of 6 smoke tests passed, 1 failed" in text
    assert text.rstrip().endswith("BLOCK: tests_pass_rate FAIL, smoke_pass_rate FAIL")
    assert "\033[" not in text


def test_console_color_only_when_asked(blocked):
    assert "\033[31mFAIL" in render(blocked, color=True)


def test_decision_json_has_the_contract_keys_and_what_renderers_need(blocked, tmp_path):
    paths = write_decision(blocked, tmp_path / "out")
    assert [p.name for p in paths] == ["decision.json", "decision.md", "gate-junit.xml"]
    payload = json.loads(paths[0].read_text())
    assert set(payload) == {
        "schema", "decision", "stage", "run_id", "target", "policy_sha256", "baseline",
        "new_failures", "checks", "evidence",
    }  # fmt: skip
    assert payload["schema"] == "releasegate.decision/v1"
    assert payload["decision"] == "BLOCK"
    assert payload["baseline"] is None
    assert set(payload["target"]) == {"base_url", "version", "name"}
    for check in payload["checks"]:
        assert set(check) == {
            "id", "level", "verdict", "observed", "threshold", "baseline", "samples", "reason",
            # additive, so that a decision renders without its config (docs/evidence.md)
            "metric", "select", "unit", "description", "requirement", "observed_text",
            "threshold_text", "waiver",
        }  # fmt: skip
    smoke = next(c for c in payload["checks"] if c["id"] == "smoke_pass_rate")
    assert smoke["select"] == {"suite": "smoke"}
    assert (smoke["unit"], smoke["observed_text"], smoke["threshold_text"]) == (
        "ratio", "83.3 %", ">= 100.0 %",
    )  # fmt: skip
    assert smoke["requirement"] == "Deployment plan: smoke 100 %"
    assert set(payload["evidence"][0]) == {"file", "sha256", "kind"}
    assert Decision.model_validate(payload) == blocked


def test_markdown_table_has_a_row_per_check(blocked):
    text = render_markdown(blocked)
    assert text.startswith("## ❌ releasegate: BLOCK for stage `staging`")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(blocked.checks)
    assert "Deployment plan: smoke 100 %" in text


def test_junit_has_one_testcase_per_check(blocked):
    suite = ET.fromstring(render_junit(blocked))
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in blocked.checks]
    assert suite.get("failures") == "2"
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"tests_pass_rate", "smoke_pass_rate"}


def test_markdown_cells_escape_markup_and_pipes(blocked):
    check = blocked.checks[0].model_copy(update={"reason": "saw <form> | and\nmore"})
    decision = blocked.model_copy(update={"checks": [check]})
    text = render_markdown(decision)
    assert "saw &lt;form&gt; \\| and<br>more" in text


def test_a_decision_read_from_disk_renders_the_same_without_a_config(blocked, tmp_path):
    (json_path, _, _) = write_decision(blocked, tmp_path / "copy")
    again = read_decision(json_path)
    assert again == blocked
    assert render(again) == render(blocked)
    assert render_markdown(again) == (tmp_path / "copy" / "decision.md").read_text()


def test_a_decision_without_the_additive_fields_still_renders(blocked, tmp_path):
    """Decisions written before the renderer fields existed."""
    payload = blocked.dump()
    for check in payload["checks"]:
        for key in ("metric", "select", "unit", "description", "requirement"):
            del check[key]
        del check["observed_text"], check["threshold_text"]
    del payload["target"]["name"]
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(payload))
    text = render(read_decision(path))
    row = next(line for line in text.splitlines() if line.startswith("smoke_pass_rate"))
    assert row.split() == ["smoke_pass_rate", "block", "FAIL", "0.833333", ">=", "1", "6"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "not valid JSON (truncated?)"),
        ('{"schema": "releasegate.decision/v1"}', "not a releasegate decision: decision: required"),
    ],
)
def test_a_broken_decision_file_is_one_line(tmp_path, content, expected):
    path = tmp_path / "decision.json"
    path.write_text(content)
    with pytest.raises(UserError) as info:
        read_decision(path)
    assert str(info.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(info.value)


def test_the_markdown_decision_is_appended_to_the_github_job_summary(
    blocked, tmp_path, monkeypatch
):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_decision(blocked, tmp_path / "out")
    assert summary.read_text() == "earlier step\n" + render_markdown(blocked) + "\n"
