"""The gate fails closed: every way evidence can be missing or wrong ends in NO_DATA and BLOCK."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from releasegate.config import Check, Config
from releasegate.evidence.io import read_folders
from releasegate.evidence.kinds.tests import CollectionError, TestResult, TestsData
from releasegate.evidence.registry import Sourced
from releasegate.gate.decision import Decision
from releasegate.gate.evaluate import GateRequest, SkippedPhase, assess, evaluate

RUN_ID = "20261122T100000Z-abc123"
SMOKE_OK = [("passed", "smoke")] * 7


def decide(config: Config, folder: Path, stage: str = "staging", **kwargs: object) -> Decision:
    return evaluate(
        GateRequest(
            config=config,
            stage=stage,
            evidence=read_folders([folder]),
            now=datetime.now(UTC),
            **kwargs,  # type: ignore[arg-type]
        )
    )


def verdicts(decision: Decision) -> dict[str, str]:
    return {c.id: c.verdict for c in decision.checks}


def reasons(decision: Decision) -> str:
    return " | ".join(c.reason for c in decision.checks)


def test_all_passing_promotes(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK)
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "PROMOTE"
    assert verdicts(decision) == {
        "tests_pass_rate": "PASS",
        "smoke_pass_rate": "PASS",
        "min_tests": "PASS",
    }
    assert decision.run_id == RUN_ID
    assert decision.target.version == "1.0.0"
    assert [e.kind for e in decision.evidence] == ["tests"]
    assert len(decision.evidence[0].sha256) == 64


def test_one_failing_smoke_test_blocks_and_names_it(smoke_config, write_tests, tmp_path):
    write_tests([*SMOKE_OK[:6], ("failed", "smoke")])
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert smoke.verdict == "FAIL"
    assert smoke.observed == pytest.approx(6 / 7)
    assert smoke.samples == 7
    assert "6 of 7 smoke tests passed" in smoke.reason
    assert "\nfailing: suites/smoke/test_x.py::test_6 [failed]: AssertionError: boom" in (
        smoke.reason
    )
    # 6/7 = 85.7 % is also below the overall 90 %
    assert verdicts(decision)["tests_pass_rate"] == "FAIL"


def test_empty_folder_blocks_with_no_data(smoke_config, tmp_path):
    decision = decide(smoke_config, tmp_path)
    assert decision.decision == "BLOCK"
    assert verdicts(decision) == dict.fromkeys(
        ["tests_pass_rate", "smoke_pass_rate", "min_tests"], "NO_DATA"
    )
    assert all("no 'tests' evidence in" in c.reason for c in decision.checks)
    assert decision.run_id is None


def test_truncated_file_blocks_naming_it(smoke_config, write_tests, tmp_path):
    path = write_tests(SMOKE_OK)
    path.write_text(path.read_text()[:200])
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert verdicts(decision) == dict.fromkeys(
        ["tests_pass_rate", "smoke_pass_rate", "min_tests"], "NO_DATA"
    )
    assert "tests.json: not valid JSON (truncated?)" in reasons(decision)


def test_unreadable_file_poisons_every_check_even_beside_good_evidence(
    smoke_config, write_tests, tmp_path
):
    """A parallel job's broken file might have held the failures: nothing can be trusted."""
    write_tests(SMOKE_OK)
    (tmp_path / "evidence" / "job2.json").write_bytes(b"\x00\xff garbage")
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "job2.json" in reasons(decision)


def test_edited_counts_are_caught(smoke_config, write_tests, tmp_path):
    path = write_tests([*SMOKE_OK[:6], ("failed", "smoke")])
    payload = json.loads(path.read_text())
    payload["data"]["tests"][-1]["outcome"] = "passed"  # hide the failure, leave the counts
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "counts do not match the listed tests" in reasons(decision)


def test_schema_error_names_the_field(smoke_config, write_tests, tmp_path):
    path = write_tests(SMOKE_OK)
    payload = json.loads(path.read_text())
    payload["data"]["tests"][0]["outcome"] = "maybe"
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "data.tests[0].outcome" in reasons(decision)


def test_not_evidence_at_all_is_named(smoke_config, tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x"}')
    decision = decide(smoke_config, tmp_path)
    assert decision.decision == "BLOCK"
    assert "package.json: not releasegate evidence" in reasons(decision)


def test_evidence_of_another_run_is_stale(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK)
    write_tests(SMOKE_OK, name="old.json", run_id="20261101T000000Z-000000")
    decision = decide(smoke_config, tmp_path / "evidence", run_id=RUN_ID)
    assert decision.decision == "BLOCK"
    assert "stale: from run 20261101T000000Z-000000" in reasons(decision)


def test_evidence_for_another_stage_is_stale(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK, stage="smoke")
    decision = decide(smoke_config, tmp_path / "evidence", stage="staging")
    assert decision.decision == "BLOCK"
    assert "produced for stage 'smoke', not 'staging'" in reasons(decision)


def test_evidence_of_another_target_version_is_stale(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK, version="1.0.0")
    write_tests(SMOKE_OK, name="other.json", version="0.9.0")
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "target version" in reasons(decision)


def test_old_evidence_is_stale(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK, produced_at=datetime.now(UTC) - timedelta(days=3))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "older than" in reasons(decision)


def test_zero_tests_is_never_a_pass(smoke_config, write_tests, tmp_path):
    write_tests([], exit_code=5)
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert verdicts(decision) == dict.fromkeys(
        ["tests_pass_rate", "smoke_pass_rate", "min_tests"], "NO_DATA"
    )
    assert "zero tests is never a pass" in reasons(decision)


def test_only_skipped_tests_is_no_data(smoke_config, write_tests, tmp_path):
    write_tests([("skipped", "smoke")] * 9)
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "0 smoke tests executed" in reasons(decision)


def test_fewer_samples_than_required_is_no_data(smoke_config, write_tests, tmp_path):
    write_tests([("passed", "smoke")] * 3)
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    check = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert check.verdict == "NO_DATA"
    assert check.samples == 3
    assert "fewer than min_samples 5" in check.reason


def test_interrupted_session_is_no_data_naming_the_collection_error(
    smoke_config, write_tests, tmp_path
):
    write_tests(
        SMOKE_OK,
        exit_code=2,
        collection_errors=[
            CollectionError(nodeid="conversations/bad.yaml", message="turns: empty")
        ],
    )
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "exit code 2 (interrupted)" in reasons(decision)
    assert "conversations/bad.yaml: turns: empty" in reasons(decision)


def test_a_collection_error_blocks_whatever_the_exit_code(smoke_config, write_tests, tmp_path):
    """pytest-xdist reports a worker's collection error with exit code 1."""
    write_tests(
        SMOKE_OK,
        exit_code=1,
        collection_errors=[CollectionError(nodeid="suites/x.py", message="bad.yaml: turns")],
    )
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "collection error in suites/x.py: bad.yaml: turns" in reasons(decision)


def test_a_skipped_phase_makes_the_checks_of_its_suites_no_data(
    smoke_config, write_tests, tmp_path
):
    config = _staging_with(smoke_config, ["smoke", "e2e"])
    write_tests([*SMOKE_OK, ("passed", "e2e")])
    skipped = {"functional": SkippedPhase("skipped because smoke blocked", ("e2e",))}
    decision = decide(config, tmp_path / "evidence", skipped=skipped)
    assert verdicts(decision) == {
        "tests_pass_rate": "NO_DATA",
        "smoke_pass_rate": "PASS",
        "min_tests": "NO_DATA",
    }
    overall = next(c for c in decision.checks if c.id == "tests_pass_rate")
    assert overall.reason == "not run: functional (skipped because smoke blocked)"


def test_a_skipped_phase_of_another_kind_leaves_tests_checks_alone(
    smoke_config, write_tests, tmp_path
):
    write_tests(SMOKE_OK)
    skipped = {"load": SkippedPhase("interrupted", kinds=frozenset({"load"}))}
    decision = decide(smoke_config, tmp_path / "evidence", skipped=skipped)
    assert decision.decision == "PROMOTE"


def _config_with(smoke_config: Config, **check: object) -> Config:
    data = smoke_config.model_dump()
    data["policy"]["checks"]["tests_pass_rate"].update(check)
    return Config.model_validate(data)


def test_warn_level_failure_warns_but_promotes(smoke_config, write_tests, tmp_path):
    config = _config_with(smoke_config, level="warn", threshold=0.99)
    config = _staging_with(config, ["smoke", "e2e"])
    write_tests([*SMOKE_OK, *[("passed", "e2e")] * 10, ("failed", "e2e")])
    decision = decide(config, tmp_path / "evidence")
    assert verdicts(decision)["tests_pass_rate"] == "WARN"
    assert decision.decision == "PROMOTE"


def test_wilson_bound_fails_a_perfect_but_small_sample(smoke_config, write_tests, tmp_path):
    config = _config_with(smoke_config, confidence=0.95)
    write_tests(SMOKE_OK)  # 7 of 7: raw 100 %, Wilson 95 % lower bound 64.6 %
    decision = decide(config, tmp_path / "evidence")
    check = next(c for c in decision.checks if c.id == "tests_pass_rate")
    assert check.verdict == "FAIL"
    assert "Wilson lower bound 64.6 %" in check.reason


@given(
    st.lists(st.sampled_from(["passed", "failed", "error", "skipped"]), max_size=40),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=10),
)
def test_pass_rate_verdict_matches_its_definition(outcomes, threshold, min_samples):
    check = Check(metric="tests.pass_rate", op=">=", threshold=threshold, min_samples=min_samples)
    tests = [
        TestResult(nodeid=f"t{i}", outcome=o, duration_s=0, markers=["smoke"])
        for i, o in enumerate(outcomes)
    ]
    exit_code = 1 if {"failed", "error"} & set(outcomes) else 0
    data = TestsData.build(tests, collected=len(tests), exit_code=exit_code)
    result = assess("c", check, [Sourced("memory", data)], ["smoke"])
    passed = outcomes.count("passed")
    executed = passed + outcomes.count("failed") + outcomes.count("error")
    if executed < max(1, min_samples):
        assert result.verdict == "NO_DATA"
        return
    assert result.samples == executed
    assert result.verdict == ("PASS" if passed / executed >= threshold else "FAIL")


def _staging_with(smoke_config: Config, suites: list[str]) -> Config:
    data = smoke_config.model_dump()
    data["stages"]["staging"]["suites"] = suites
    return Config.model_validate(data)


def test_a_stage_suite_that_ran_no_test_is_no_data(smoke_config, write_tests, tmp_path):
    """Smoke alone must not carry a stage that also lists e2e and compliance."""
    config = _staging_with(smoke_config, ["smoke", "e2e", "compliance"])
    write_tests(SMOKE_OK)
    decision = decide(config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    overall = next(c for c in decision.checks if c.id == "tests_pass_rate")
    assert overall.verdict == "NO_DATA"
    assert "0 e2e or compliance tests executed" in overall.reason
    assert verdicts(decision)["smoke_pass_rate"] == "PASS"


def test_tests_outside_the_stage_suites_do_not_dilute_failures(smoke_config, write_tests, tmp_path):
    write_tests([*[("passed", "smoke")] * 4, ("failed", "smoke"), *[("passed", "other")] * 30])
    decision = decide(smoke_config, tmp_path / "evidence")
    overall = next(c for c in decision.checks if c.id == "tests_pass_rate")
    assert overall.samples == 5
    assert overall.verdict == "FAIL"


def test_the_same_evidence_named_twice_counts_once(smoke_config, write_tests, tmp_path):
    write_tests([("passed", "smoke")] * 3)
    folder = tmp_path / "evidence"
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "tests.json").write_bytes((folder / "tests.json").read_bytes())
    evidence = read_folders([folder, folder, tmp_path, tmp_path / "copy"])
    assert len(evidence.files) == 1
    decision = evaluate(
        GateRequest(config=smoke_config, stage="staging", evidence=evidence, now=datetime.now(UTC))
    )
    min_tests = next(c for c in decision.checks if c.id == "min_tests")
    assert (min_tests.verdict, min_tests.observed) == ("FAIL", 3)


def test_a_test_reported_by_two_jobs_counts_once_with_the_worst_outcome(
    smoke_config, write_tests, tmp_path
):
    write_tests(SMOKE_OK, name="job1.json")
    write_tests([*SMOKE_OK[:6], ("failed", "smoke")], name="job2.json")
    decision = decide(smoke_config, tmp_path / "evidence")
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert smoke.samples == 7
    assert smoke.verdict == "FAIL"


def test_a_test_listed_twice_in_one_file_is_rejected(smoke_config, write_tests, tmp_path):
    path = write_tests(SMOKE_OK)
    payload = json.loads(path.read_text())
    payload["data"]["tests"][1]["nodeid"] = payload["data"]["tests"][0]["nodeid"]
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "is listed more than once" in reasons(decision)


@pytest.mark.parametrize(
    ("exit_code", "outcomes", "expected"),
    [
        (1, SMOKE_OK, "exit_code 1 (tests failed) but no failing test is listed"),
        (0, [*SMOKE_OK, ("failed", "smoke")], "exit_code 0 (all passed) but 1 tests failed"),
    ],
)
def test_exit_code_contradicting_the_outcomes_is_rejected(
    smoke_config, write_tests, tmp_path, exit_code, outcomes, expected
):
    path = write_tests(outcomes)
    payload = json.loads(path.read_text())
    payload["data"]["exit_code"] = exit_code
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert expected in reasons(decision)


def test_a_session_that_stopped_early_is_no_data(smoke_config, write_tests, tmp_path):
    path = write_tests(SMOKE_OK)
    payload = json.loads(path.read_text())
    payload["data"]["collected"] = 50
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "only 7 of 50 collected tests reported" in reasons(decision)


def test_evidence_dated_in_the_future_is_stale(smoke_config, write_tests, tmp_path):
    write_tests(SMOKE_OK)
    write_tests(
        SMOKE_OK, name="future.json", run_id="OLD", produced_at=datetime(2099, 1, 1, tzinfo=UTC)
    )
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.run_id == RUN_ID  # the future file does not get to pick the run
    assert decision.decision == "BLOCK"
    assert "in the future" in reasons(decision)


def test_job_subfolders_are_read_and_decisions_beside_evidence_ignored(
    smoke_config, write_tests, tmp_path
):
    write_tests(SMOKE_OK, folder=tmp_path / "jobs" / "a")
    write_tests([("failed", "smoke")], name="b.JSON", folder=tmp_path / "jobs" / "b")
    (tmp_path / "jobs" / "decision.json").write_text('{"schema": "releasegate.decision/v1"}')
    decision = decide(smoke_config, tmp_path / "jobs")
    assert [Path(e.file).name for e in decision.evidence] == ["tests.json", "b.JSON"]
    assert verdicts(decision)["smoke_pass_rate"] == "FAIL"


def test_absurdly_nested_json_is_unusable_not_a_crash(smoke_config, tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    decision = decide(smoke_config, tmp_path)
    assert decision.decision == "BLOCK"
    assert "deep.json" in reasons(decision)


def test_tests_deselected_by_k_make_the_stage_no_data_naming_how(
    smoke_config, write_tests, tmp_path
):
    """PYTEST_ADDOPTS="-k 'not feedback'" must not promote on the smaller suite."""
    feedback = "suites/smoke/test_smoke.py::test_feedback_is_accepted"
    write_tests(SMOKE_OK, deselected=[(feedback, "smoke")], keyword="not feedback")
    decision = decide(smoke_config, tmp_path / "evidence")
    assert verdicts(decision) == dict.fromkeys(
        ["tests_pass_rate", "smoke_pass_rate", "min_tests"], "NO_DATA"
    )
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert smoke.reason.startswith(
        f"1 smoke test(s) deselected, so the stage did not run whole: {feedback} "
        "(session options: -m 'smoke' -k 'not feedback'"
    )


def test_a_test_deselected_in_one_phase_and_run_in_another_counts(
    smoke_config, write_tests, tmp_path
):
    """The runner's smoke phase deselects e2e tests that its functional phase runs."""
    config = _staging_with(smoke_config, ["smoke", "e2e"])
    e2e = "suites/e2e/test_x.py::test_0"
    write_tests(SMOKE_OK, name="smoke.json", deselected=[(e2e, "e2e")])
    write_tests([("passed", "e2e")], name="functional.json")
    decision = decide(config, tmp_path / "evidence")
    assert decision.decision == "PROMOTE", reasons(decision)


def test_deselected_tests_outside_the_stage_suites_do_not_matter(
    smoke_config, write_tests, tmp_path
):
    write_tests(SMOKE_OK, deselected=[("tests/unit/test_y.py::test_1", "e2e")])
    assert decide(smoke_config, tmp_path / "evidence").decision == "PROMOTE"


def _with_waiver(config: Config, check: str, expires: str) -> Config:
    data = config.model_dump()
    data["policy"]["waivers"] = [
        {"check": check, "reason": "known flaky upstream, TICKET-12", "owner": "dana",
         "expires": expires}
    ]  # fmt: skip
    return Config.model_validate(data)


def test_an_unexpired_waiver_turns_a_fail_into_a_waived_pass_and_says_so(
    smoke_config, write_tests, tmp_path
):
    config = _with_waiver(smoke_config, "smoke_pass_rate", "2999-12-31")
    config = _config_with(config, threshold=0.5)  # only the smoke check fails
    write_tests([*SMOKE_OK, ("failed", "smoke")])
    decision = decide(config, tmp_path / "evidence")
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert (smoke.verdict, smoke.shown_verdict, smoke.blocks) == ("FAIL", "WAIVED", False)
    assert smoke.reason.endswith(
        "\nwaived until 2999-12-31 by dana: known flaky upstream, TICKET-12"
    )
    assert decision.decision == "PROMOTE"


def test_an_expired_waiver_is_ignored_with_a_note(smoke_config, write_tests, tmp_path):
    config = _with_waiver(smoke_config, "smoke_pass_rate", "2020-01-01")
    write_tests([*SMOKE_OK, ("failed", "smoke")])
    decision = decide(config, tmp_path / "evidence")
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert smoke.blocks
    assert smoke.reason.endswith("the waiver by dana expired on 2020-01-01 and is ignored")
    assert decision.decision == "BLOCK"


def test_a_waiver_never_covers_missing_evidence(smoke_config, tmp_path):
    config = _with_waiver(smoke_config, "smoke_pass_rate", "2999-12-31")
    decision = decide(config, tmp_path)
    smoke = next(c for c in decision.checks if c.id == "smoke_pass_rate")
    assert (smoke.verdict, smoke.blocks) == ("NO_DATA", True)
    assert "covers failures, never missing evidence" in smoke.reason


def test_a_compliance_check_cannot_be_waived(smoke_config):
    data = smoke_config.model_dump()
    data["policy"]["checks"]["promises"] = {
        "metric": "compliance.promise_violations", "op": "==", "threshold": 0,
    }  # fmt: skip
    data["policy"]["waivers"] = [
        {"check": "promises", "reason": "marketing insists", "owner": "x", "expires": "2999-01-01"}
    ]
    with pytest.raises(ValueError, match="compliance blocker: it cannot be waived"):
        Config.model_validate(data)


def test_tests_of_suites_the_session_did_not_select_are_not_narrowing(
    smoke_config, write_tests, tmp_path
):
    """-m smoke leaves compliance tests alone: the functional phase runs them (as parametrized
    cases with other node ids), so their placeholder in the smoke phase means nothing."""
    config = _staging_with(smoke_config, ["smoke", "compliance"])
    placeholder = "suites/compliance/test_c.py::test_conversation[NOTSET]"
    write_tests(SMOKE_OK, name="smoke.json", deselected=[(placeholder, "compliance")])
    write_tests([("passed", "compliance")], name="functional.json")
    assert decide(config, tmp_path / "evidence").decision == "PROMOTE"


def test_a_narrower_marker_expression_is_narrowing(smoke_config, write_tests, tmp_path):
    path = write_tests(SMOKE_OK, deselected=[("suites/smoke/test_x.py::test_slow", "smoke")])
    payload = json.loads(path.read_text())
    payload["data"]["selection"] = "smoke and not slow"
    path.write_text(json.dumps(payload))
    decision = decide(smoke_config, tmp_path / "evidence")
    assert decision.decision == "BLOCK"
    assert "session options: -m 'smoke and not slow'" in reasons(decision)
