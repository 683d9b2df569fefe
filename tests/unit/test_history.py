"""Decisions are kept in a history store; the last PROMOTE of a target and stage is the
baseline that relative checks and new failures compare with."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasegate.config import Config
from releasegate.errors import UserError
from releasegate.evidence.io import read_folders
from releasegate.gate.decision import Decision
from releasegate.gate.evaluate import GateRequest, evaluate, passing_tests
from releasegate.history import Baseline, History, baseline_from_file
from releasegate.report.console import render
from releasegate.report.files import write_decision
from releasegate.report.markdown import render_markdown

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def relative_config(smoke_config: Config) -> Config:
    """The overall pass rate may drop to 50 %, but not by more than 10 % of the baseline's."""
    data = smoke_config.model_dump()
    check = data["policy"]["checks"]["tests_pass_rate"]
    check["threshold"] = 0.5
    check["regression"] = {"relative": 0.1, "floor": 0.02}
    return Config.model_validate(data)


def decide(
    config: Config, folder: Path, baseline: Baseline | None = None, home: Path | None = None
) -> Decision:
    return evaluate(
        GateRequest(
            config=config,
            stage="staging",
            evidence=read_folders([folder]),
            now=datetime.now(UTC),
            baseline=baseline,
            home=home or Path.cwd(),
        )
    )


def check(decision: Decision, check_id: str = "tests_pass_rate"):
    return next(c for c in decision.checks if c.id == check_id)


def test_the_baseline_is_the_last_promote_of_the_same_target_and_stage(
    relative_config, write_tests, tmp_path
):
    history = History.default(tmp_path / "reports", None)
    assert history.baseline("taxbot", "staging") is None
    write_tests([("passed", "smoke")] * 10)
    good = decide(relative_config, tmp_path / "evidence")
    first = history.record(good, NOW, {"a", "b"})
    blocked = good.model_copy(update={"decision": "BLOCK", "run_id": "later"})
    history.record(blocked, NOW, set())
    history.record(good.model_copy(update={"stage": "smoke"}), NOW, set())
    other = good.target.model_copy(update={"name": "otherbot"})
    history.record(good.model_copy(update={"target": other}), NOW, set())

    baseline = history.baseline("taxbot", "staging")
    assert baseline is not None
    assert baseline.source == f"history #{first}"
    assert baseline.decision == good
    assert baseline.passed_tests == {"a", "b"}
    assert (tmp_path / "reports" / "history.sqlite").is_file()
    listed = history.recent(limit=3)
    assert [e.id for e in listed] == [4, 3, 2]
    assert [e.decision for e in history.recent(stage="staging", target="taxbot")] == [
        "BLOCK",
        "PROMOTE",
    ]


def test_a_regression_beyond_the_relative_limit_and_the_floor_fails_showing_both_values(
    relative_config, write_tests, tmp_path
):
    write_tests([("passed", "smoke")] * 10)
    baseline = Baseline(decide(relative_config, tmp_path / "evidence"), frozenset(), "test")
    write_tests([("passed", "smoke")] * 8 + [("failed", "smoke")] * 2)
    decision = decide(relative_config, tmp_path / "evidence", baseline)
    result = check(decision)
    assert (result.observed, result.baseline) == (0.8, 1.0)
    assert result.verdict == "FAIL"
    assert "regressed: 80.0 % against baseline 100.0 %" in result.reason
    assert "worse by more than max(10% of it, floor 2.0 %) = 10.0 %" in result.reason
    shown = render(decision)
    assert "BASELINE" in shown
    assert "baseline: run 20261122T100000Z-abc123 (test, version 1.0.0)" in shown
    assert "| Baseline |" in render_markdown(decision)


def test_a_change_within_the_limit_passes_and_says_how_close_it_was(
    relative_config, write_tests, tmp_path
):
    write_tests([("passed", "smoke")] * 10)
    baseline = Baseline(decide(relative_config, tmp_path / "evidence"), frozenset(), "test")
    write_tests([("passed", "smoke")] * 19 + [("failed", "smoke")])
    result = check(decide(relative_config, tmp_path / "evidence", baseline))
    assert result.verdict == "PASS"
    assert "within max(10% of it, floor 2.0 %) = 10.0 % of the baseline" in result.reason


def test_the_floor_keeps_noise_on_small_values_from_blocking(smoke_config, write_tests, tmp_path):
    """A latency of 10 ms that becomes 14 ms is 40 % worse but below a 50 ms floor."""
    data = smoke_config.model_dump()
    data["policy"]["checks"]["min_tests"]["regression"] = {"relative": 0.2, "floor": 5}
    data["policy"]["checks"]["min_tests"]["op"] = ">="
    config = Config.model_validate(data)
    write_tests([("passed", "smoke")] * 10)
    baseline = Baseline(decide(config, tmp_path / "evidence"), frozenset(), "test")
    write_tests([("passed", "smoke")] * 6)
    assert check(decide(config, tmp_path / "evidence", baseline), "min_tests").verdict == "PASS"
    write_tests([("passed", "smoke")] * 5)  # still >= 5, but 5 fewer than the baseline's 10
    assert check(decide(config, tmp_path / "evidence", baseline), "min_tests").verdict == "PASS"
    data["policy"]["checks"]["min_tests"]["regression"]["floor"] = 4
    config = Config.model_validate(data)
    result = check(decide(config, tmp_path / "evidence", baseline), "min_tests")
    assert result.verdict == "FAIL"
    assert "regressed: 5 against baseline 10" in result.reason


def test_without_a_baseline_the_threshold_alone_decides_and_says_so(
    relative_config, write_tests, tmp_path
):
    write_tests([("passed", "smoke")] * 8 + [("failed", "smoke")] * 2)
    result = check(decide(relative_config, tmp_path / "evidence"))
    assert result.verdict == "PASS"
    assert result.baseline is None
    assert "not compared with a baseline: no baseline yet" in result.reason


def test_a_warn_level_regression_warns_and_promotes(relative_config, write_tests, tmp_path):
    data = relative_config.model_dump()
    data["policy"]["checks"]["tests_pass_rate"]["level"] = "warn"
    config = Config.model_validate(data)
    write_tests([("passed", "smoke")] * 10)
    baseline = Baseline(decide(config, tmp_path / "evidence"), frozenset(), "test")
    write_tests([("passed", "smoke")] * 8 + [("failed", "smoke")] * 2)
    decision = decide(config, tmp_path / "evidence", baseline)
    assert check(decision).verdict == "WARN"
    assert "regressed: 80.0 %" in check(decision).reason


def test_regression_needs_a_direction(smoke_config):
    data = smoke_config.model_dump()
    data["policy"]["checks"]["min_tests"]["op"] = "=="
    data["policy"]["checks"]["min_tests"]["regression"] = {"relative": 0.2}
    with pytest.raises(ValueError, match="regression: needs a direction"):
        Config.model_validate(data)


def test_tests_that_passed_in_the_baseline_and_fail_now_are_listed_as_new_failures(
    smoke_config, write_tests, tmp_path
):
    run = tmp_path / "run"
    write_tests([("passed", "smoke")] * 7, folder=run / "evidence")
    before = decide(smoke_config, run / "evidence", home=run)
    write_decision(before, run)
    baseline = baseline_from_file(run / "decision.json")
    assert baseline.passed_tests == passing_tests(read_folders([run / "evidence"]).files)
    assert len(baseline.passed_tests) == 7
    # test_6 passed before and fails now; test_7 is new and fails: not a *new failure*
    write_tests([("passed", "smoke")] * 6 + [("failed", "smoke")] * 2)
    decision = decide(smoke_config, tmp_path / "evidence", baseline)
    assert decision.new_failures == ["suites/smoke/test_x.py::test_6"]
    assert decision.baseline == {
        "source": str(run / "decision.json"),
        "run_id": before.run_id,
        "version": "1.0.0",
    }
    assert "new failures (passed in the baseline): 1" in render(decision)
    assert "**New failures** (passed in the baseline): 1" in render_markdown(decision)


def test_a_baseline_file_that_is_not_a_decision_is_named(tmp_path):
    bad = tmp_path / "decision.json"
    bad.write_text(json.dumps({"decision": "MAYBE"}))
    with pytest.raises(UserError, match=r"decision.json: not a releasegate decision"):
        baseline_from_file(bad)
    with pytest.raises(UserError, match=r"nowhere.json: cannot read"):
        baseline_from_file(tmp_path / "nowhere.json")


def test_an_unusable_store_is_one_line_naming_it(tmp_path):
    (tmp_path / "history.sqlite").write_text("not a database at all, just text" * 100)
    with pytest.raises(UserError, match=r"history store .*history.sqlite: .*not a database"):
        History.default(tmp_path, None).recent()
    broken = History.default(tmp_path, "postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(UserError, match=r"history store postgresql://nobody@127.0.0.1:1/none: "):
        broken.recent()


def test_a_password_in_the_url_is_never_shown(tmp_path):
    store = History.default(tmp_path, "postgresql://ci:s3cret@127.0.0.1:1/gate")
    assert store.where == "postgresql://ci:***@127.0.0.1:1/gate"
    with pytest.raises(UserError) as caught:
        store.recent()
    assert "s3cret" not in str(caught.value)


def test_a_record_survives_and_is_valid_sqlite(relative_config, write_tests, tmp_path):
    write_tests([("passed", "smoke")] * 10)
    history = History.default(tmp_path, "sub/gate.db")
    history.record(decide(relative_config, tmp_path / "evidence"), NOW, set())
    with sqlite3.connect(tmp_path / "sub" / "gate.db") as db:
        ((count,),) = db.execute("SELECT count(*) FROM releasegate_decisions").fetchall()
    assert count == 1


def test_a_promote_with_warn_level_checks_lacking_data_does_not_claim_all_pass(
    smoke_config, write_tests, tmp_path
):
    from releasegate.report.console import headline

    data = smoke_config.model_dump()
    data["policy"]["checks"]["min_tests"]["level"] = "warn"
    data["policy"]["checks"]["min_tests"]["min_samples"] = 100
    config = Config.model_validate(data)
    write_tests([("passed", "smoke")] * 7)
    decision = decide(config, tmp_path / "evidence")
    assert decision.decision == "PROMOTE"
    assert headline(decision) == "PROMOTE: 2 of 3 checks pass (no data at warn level: min_tests)"
