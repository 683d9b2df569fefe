"""Every rendering of a decision carries the same checks, verdicts and reasons."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from releasegate.evidence.io import read_folders
from releasegate.gate.decision import Decision
from releasegate.gate.evaluate import GateRequest, evaluate
from releasegate.report.console import render
from releasegate.report.files import write_decision
from releasegate.report.junit import render_junit
from releasegate.report.markdown import render_markdown


@pytest.fixture
def blocked(default_config, write_tests, tmp_path) -> Decision:
    write_tests([*[("passed", "smoke")] * 5, ("failed", "smoke")])
    return evaluate(
        GateRequest(
            config=default_config,
            stage="staging",
            evidence=read_folders([tmp_path / "evidence"]),
            now=datetime.now(UTC),
        )
    )


def test_console_shows_each_check_with_observed_threshold_and_reason(blocked, default_config):
    text = render(blocked, default_config)
    assert "stage staging" in text
    assert "taxbot 1.0.0 at http://127.0.0.1:9" in text
    row = next(line for line in text.splitlines() if line.startswith("smoke_pass_rate"))
    assert row.split() == ["smoke_pass_rate", "block", "FAIL", "83.3", "%", ">=", "100.0", "%", "6"]
    assert "5 of 6 smoke tests passed, 1 failed" in text
    assert text.rstrip().endswith("BLOCK: tests_pass_rate FAIL, smoke_pass_rate FAIL")
    assert "\033[" not in text


def test_console_color_only_when_asked(blocked, default_config):
    assert "\033[31mFAIL" in render(blocked, default_config, color=True)


def test_decision_json_has_exactly_the_contract_keys(blocked, default_config, tmp_path):
    paths = write_decision(blocked, default_config, tmp_path / "out")
    assert [p.name for p in paths] == ["decision.json", "decision.md", "gate-junit.xml"]
    payload = json.loads(paths[0].read_text())
    assert set(payload) == {
        "schema", "decision", "stage", "run_id", "target", "policy_sha256", "baseline",
        "checks", "evidence",
    }  # fmt: skip
    assert payload["schema"] == "releasegate.decision/v1"
    assert payload["decision"] == "BLOCK"
    assert payload["baseline"] is None
    assert set(payload["target"]) == {"base_url", "version"}
    for check in payload["checks"]:
        assert set(check) == {
            "id", "level", "verdict", "observed", "threshold", "baseline", "samples", "reason",
        }  # fmt: skip
    assert set(payload["evidence"][0]) == {"file", "sha256", "kind"}
    assert Decision.model_validate(payload) == blocked


def test_markdown_table_has_a_row_per_check(blocked, default_config):
    text = render_markdown(blocked, default_config)
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


def test_markdown_cells_escape_markup_and_pipes(blocked, default_config):
    check = blocked.checks[0].model_copy(update={"reason": "saw <form> | and\nmore"})
    decision = blocked.model_copy(update={"checks": [check]})
    text = render_markdown(decision, default_config)
    assert "saw &lt;form&gt; \\| and<br>more" in text
