"""``releasegate evaluate DIR DIR...``: folders of one run and one target merge; folders of
different runs, builds or deployments are refused (exit 2) unless told they belong together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releasegate.cli import main

SMOKE_OK = [("passed", "smoke")] * 7


def evaluate(project_root: Path, *args: str | Path) -> int:
    """``releasegate evaluate``, its history kept beside the first folder (not in the repo)."""
    history = Path(args[0]).parent / "reports"
    return main(["evaluate", *map(str, args), "--stage", "smoke", "--reports", str(history),
                 "--config", str(project_root / "releasegate.toml")])  # fmt: skip


def retarget(path: Path, base_url: str) -> None:
    payload = json.loads(path.read_text())
    payload["target"]["base_url"] = base_url
    path.write_text(json.dumps(payload))


def test_two_jobs_of_one_run_merge(project_root, write_tests, tmp_path, capsys):
    write_tests(SMOKE_OK[:4], folder=tmp_path / "a", stage="smoke")
    write_tests(SMOKE_OK[4:], name="b.json", folder=tmp_path / "b", stage="smoke", module="test_y")
    assert evaluate(project_root, tmp_path / "a", tmp_path / "b") == 0
    assert "smoke_pass_rate  block  PASS     100.0 %   >= 100.0 %  7" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"run_id": "20261122T090000Z-other1"}, "the folders hold evidence of different runs"),
        ({"version": "1.1.0"}, "the folders hold evidence of different target versions"),
    ],
)
def test_folders_of_different_runs_or_builds_are_refused(
    project_root, write_tests, tmp_path, capsys, edit, expected
):
    write_tests(SMOKE_OK, folder=tmp_path / "a", stage="smoke")
    write_tests(SMOKE_OK, folder=tmp_path / "b", stage="smoke", **edit)
    assert evaluate(project_root, tmp_path / "a", tmp_path / "b") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"releasegate: error: evaluate: {expected} (")
    assert str(tmp_path / "a") in err
    assert str(tmp_path / "b") in err


def test_naming_the_run_decides_it_and_calls_the_other_stale(
    project_root, write_tests, tmp_path, capsys
):
    write_tests(SMOKE_OK, folder=tmp_path / "a", stage="smoke")
    write_tests(SMOKE_OK, folder=tmp_path / "b", stage="smoke", run_id="20261122T090000Z-other1")
    code = evaluate(
        project_root, tmp_path / "a", tmp_path / "b", "--run-id", "20261122T100000Z-abc123"
    )
    assert code == 1
    assert "stale: from run 20261122T090000Z-other1" in " ".join(capsys.readouterr().out.split())


def test_different_addresses_merge_only_when_told_they_are_one_deployment(
    project_root, write_tests, tmp_path, capsys
):
    write_tests(SMOKE_OK[:4], folder=tmp_path / "a", stage="smoke")
    job_b = write_tests(SMOKE_OK[4:], folder=tmp_path / "b", stage="smoke", module="test_y")
    retarget(job_b, "http://10.0.0.2:80")
    assert evaluate(project_root, tmp_path / "a", tmp_path / "b") == 2
    assert "the folders tested different targets" in capsys.readouterr().err
    assert evaluate(project_root, tmp_path / "a", tmp_path / "b", "--same-target") == 0


def test_a_run_folder_is_evaluated_without_what_readers_put_beside_the_evidence(
    write_tests, tmp_path
):
    """allure-results, Allure's report, browser artifacts and the baseline decision sit in a
    run folder; evaluating that folder reads only the evidence."""
    from releasegate.evidence.io import read_folders

    run = tmp_path / "run"
    write_tests(SMOKE_OK, folder=run / "evidence" / "smoke", stage="smoke")
    for junk in ("allure-results/1-result.json", "allure-report/data/x.json",
                 "artifacts/trace/t.json"):  # fmt: skip
        (run / junk).parent.mkdir(parents=True, exist_ok=True)
        (run / junk).write_text('{"status": "passed"}')
    (run / "baseline-decision.json").write_text('{"schema": "releasegate.decision/v1"}')
    found = read_folders([run])
    assert [f.kind for f in found.files] == ["tests"]
    assert found.problems == []
