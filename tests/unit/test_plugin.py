"""The pytest plugin, run in real inner pytest sessions: evidence it writes, targets it launches."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasegate.evidence.io import EvidenceFile, read_file
from releasegate.evidence.kinds.tests import TestsData

SERVER = Path(__file__).resolve().parent.parent / "fixtures" / "tinyserver.py"

TESTS = """
import time

import pytest

@pytest.mark.smoke
def test_ok():
    time.sleep(0.05)

@pytest.mark.smoke
def test_broken():
    assert 1 + 1 == 3, "arithmetic is off"

@pytest.mark.e2e
@pytest.mark.skip(reason="no browser here")
def test_skipped():
    pass

@pytest.mark.e2e
@pytest.mark.xfail(reason="known bug", strict=True)
def test_known_bug():
    assert False

@pytest.fixture
def broken_fixture():
    raise RuntimeError("cannot set up")

@pytest.mark.e2e
def test_setup_error(broken_fixture):
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester, project_root: Path) -> pytest.Pytester:
    """An inner project with the shipped config, its launch pointed at the tiny server."""
    config = (project_root / "releasegate.toml").read_text()
    config = config.replace(
        'launch = "{python} -m taxbot --host {host} --port {port} --db {tmpdir}/taxbot.db"',
        f'launch = "{{python}} {SERVER} --port {{port}}"',
    )
    assert str(SERVER) in config
    pytester.makefile(".toml", releasegate=config)
    (pytester.path / "conversations").mkdir()
    (pytester.path / "conversations" / "policy.yaml").write_text(
        (project_root / "conversations" / "policy.yaml").read_text()
    )
    return pytester


def evidence(folder: Path) -> tuple[EvidenceFile, TestsData]:
    """The one ``tests`` evidence file the session wrote into the folder."""
    (path,) = folder.glob("tests-*.json")
    loaded = read_file(path)
    assert isinstance(loaded, EvidenceFile), loaded
    assert isinstance(loaded.data, TestsData)
    return loaded, loaded.data


def test_records_every_outcome_with_markers_and_reasons(project: pytest.Pytester):
    project.makepyfile(test_mix=TESTS)
    out = project.path / "out"
    result = project.runpytest_subprocess(
        "--releasegate-evidence", str(out), "--releasegate-run-id", "R1",
        "--releasegate-stage", "smoke",
    )  # fmt: skip
    result.assert_outcomes(passed=1, failed=1, skipped=1, xfailed=1, errors=1)
    envelope, data = evidence(out)
    assert envelope.envelope.run_id == "R1"
    assert envelope.envelope.stage == "smoke"
    assert envelope.envelope.producer.tool == "pytest"
    assert data.exit_code == 1
    assert data.collected == 5
    outcomes = {t.nodeid.split("::")[1]: t for t in data.tests}
    assert {n: t.outcome for n, t in outcomes.items()} == {
        "test_ok": "passed",
        "test_broken": "failed",
        "test_skipped": "skipped",
        "test_known_bug": "xfailed",
        "test_setup_error": "error",
    }
    assert "arithmetic is off" in (outcomes["test_broken"].message or "")
    assert "cannot set up" in (outcomes["test_setup_error"].message or "")
    assert "no browser here" in (outcomes["test_skipped"].message or "")
    assert outcomes["test_ok"].markers == ["smoke"]
    assert outcomes["test_setup_error"].markers == ["e2e"]
    assert data.by_marker["smoke"]["passed"] == 1
    assert data.by_marker["smoke"]["failed"] == 1
    assert data.by_marker["e2e"]["error"] == 1
    assert 0.05 <= outcomes["test_ok"].duration_s < 5


def test_collection_error_is_recorded(project: pytest.Pytester):
    project.makepyfile(test_bad="def test_x(:\n    pass\n")
    out = project.path / "evidence"
    result = project.runpytest_subprocess("--releasegate-evidence", str(out))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    _, data = evidence(out)
    assert data.exit_code == 2
    assert data.collection_errors[0].nodeid == "test_bad.py"
    assert data.tests == []


def test_collection_error_under_xdist_workers_is_recorded(project: pytest.Pytester):
    """pytest-xdist ends such a session with exit code 1, not 2: the error is named anyway."""
    project.makepyfile(test_bad="def test_x(:\n    pass\n", test_ok="def test_y():\n    pass\n")
    out = project.path / "evidence"
    result = project.runpytest_subprocess("-n", "2", "--releasegate-evidence", str(out))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _, data = evidence(out)
    assert data.exit_code == 1
    assert [e.nodeid for e in data.collection_errors] == ["test_bad.py"]


def test_nothing_collected_still_writes_evidence(project: pytest.Pytester):
    out = project.path / "evidence"
    result = project.runpytest_subprocess("--releasegate-evidence", str(out))
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    _, data = evidence(out)
    assert data.exit_code == 5
    assert data.collected == 0


def test_launches_the_configured_target_for_tests_that_need_it(project: pytest.Pytester):
    project.makepyfile(
        test_live="""
        def test_talks_to_target(http, base_url):
            assert base_url.startswith("http://127.0.0.1:")
            assert http.get("/anything").text == "ok"
        """
    )
    out = project.path / "evidence"
    result = project.runpytest_subprocess("--releasegate-evidence", str(out))
    result.assert_outcomes(passed=1)
    envelope, _ = evidence(out)
    assert envelope.envelope.target.base_url.startswith("http://127.0.0.1:")


def test_evidence_path_outside_the_project_finds_the_config(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
):
    """An existing file given as an option value must not move pytest's rootdir away from the
    project's releasegate.toml (the second run used to fail)."""
    project.makepyfile(test_plain="def test_plain():\n    assert True\n")
    out = tmp_path_factory.mktemp("elsewhere")
    for _ in range(2):
        project.runpytest_subprocess("--releasegate-evidence", str(out)).assert_outcomes(passed=1)
    written = sorted(out.glob("tests-*.json"))
    assert len(written) == 2  # one file per session, never overwritten
    for path in written:
        loaded = read_file(path)
        assert isinstance(loaded, EvidenceFile)
        assert isinstance(loaded.data, TestsData)
        assert loaded.data.counts["passed"] == 1


def test_under_xdist_the_controller_records_every_worker(project: pytest.Pytester):
    project.makepyfile(
        test_live="""
        import pytest

        @pytest.mark.smoke
        @pytest.mark.parametrize("n", range(4))
        def test_talks_to_target(http, n):
            assert http.get("/healthz").text == "ok"
        """
    )
    out = project.path / "evidence"
    result = project.runpytest_subprocess("-n", "2", "--releasegate-evidence", str(out))
    result.assert_outcomes(passed=4)
    envelope, data = evidence(out)
    assert data.collected == 4
    assert data.by_marker["smoke"]["passed"] == 4
    assert envelope.envelope.target.base_url.startswith("http://127.0.0.1:")


def test_tests_without_base_url_launch_nothing(project: pytest.Pytester):
    config = project.path / "releasegate.toml"
    config.write_text(config.read_text().replace(str(SERVER), "/nonexistent/server"))
    project.makepyfile(test_plain="def test_plain():\n    assert True\n")
    project.runpytest_subprocess().assert_outcomes(passed=1)


@pytest.mark.parametrize("selection", [[], ["-m", "smoke"]], ids=["after-collection", "early"])
def test_failed_launch_is_a_usage_error_with_the_reason(project: pytest.Pytester, selection):
    config = project.path / "releasegate.toml"
    config.write_text(config.read_text().replace(str(SERVER), "/nonexistent/server"))
    project.makepyfile(
        test_live="import pytest\n\n@pytest.mark.smoke\ndef test_x(base_url):\n    pass\n"
    )
    result = project.runpytest_subprocess("test_live.py", *selection)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*target exited with code 2 before answering HTTP*",
            "*can't open file*/nonexistent/server*",
        ]
    )


def test_evidence_without_a_config_fails_before_running(pytester: pytest.Pytester):
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess("--releasegate-evidence", "out")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*releasegate.toml: no such config file*"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--base-url", "localhost:8000"], "*--base-url: 'localhost:8000' is not an http(s) URL*"),
        (
            ["--releasegate-evidence", "out/tests.json"],
            "*--releasegate-evidence: out/tests.json looks like a file; it takes a folder now*",
        ),
        (
            ["--releasegate-evidence", "out", "--releasegate-stage", "prod"],
            "*--releasegate-stage: unknown stage 'prod' (stages: smoke, staging, conversations, *",
        ),
        (
            ["--releasegate-evidence", "/proc/releasegate/evidence"],
            "*--releasegate-evidence: cannot create /proc/releasegate*",
        ),
    ],
)
def test_bad_options_fail_before_any_test_runs(project: pytest.Pytester, args, expected):
    project.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = project.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])
    result.stdout.no_fnmatch_line("*1 passed*")


def test_unreachable_target_fails_tests_with_one_clear_line(project: pytest.Pytester):
    project.makepyfile(
        test_live="""
        def test_health(http):
            http.get("/healthz")
        """
    )
    result = project.runpytest_subprocess("--base-url", "http://127.0.0.1:9", "--tb=short")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*TargetUnreachable: GET http://127.0.0.1:9/healthz: *refused*"])
    result.stdout.no_fnmatch_line("*httpcore*")


NOTES_KIND = """
from pydantic import NonNegativeInt

from releasegate.evidence.registry import Kind, KindData, Records, register
from releasegate.model import Strict


class Note(Strict):
    text: str
    weight: NonNegativeInt


class NotesData(KindData):
    KIND = "notes"
    notes: list[Note]


register(
    Kind(
        name="notes",
        description="a kind that only tests of the harness use",
        data_model=NotesData,
        metrics=(),
        records=Records(Note, lambda notes: NotesData(notes=notes)),
    )
)
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_records_of_another_kind_become_one_evidence_file(project: pytest.Pytester, workers):
    project.makeconftest(NOTES_KIND)
    project.makepyfile(
        test_notes="""
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_adds_notes(releasegate_record, n):
            releasegate_record("notes", {"text": f"note {n}", "weight": n})
            releasegate_record("notes", {"text": f"again {n}", "weight": 0})

        def test_bad_record_fails_the_test(releasegate_record):
            releasegate_record("notes", {"text": "x", "weight": -1})

        def test_unknown_kind_fails_the_test(releasegate_record):
            releasegate_record("note", {"text": "x"})
        """
    )
    out = project.path / "evidence"
    result = project.runpytest_subprocess(*workers, "--releasegate-evidence", str(out))
    result.assert_outcomes(passed=4, failed=2)
    for line in (  # in either order: xdist reports failures as they come
        "*releasegate_record('notes'): weight: input should be greater than or equal to 0*",
        "*releasegate_record: unknown kind that takes records 'note' (did you mean 'notes'?)*",
    ):
        result.stdout.fnmatch_lines([line])
    (path,) = out.glob("notes-*.json")
    loaded = read_file(path)
    assert isinstance(loaded, EvidenceFile), loaded
    assert loaded.kind == "notes"
    assert isinstance(loaded.data, dict)  # this process never registered the kind
    texts = sorted(note["text"] for note in loaded.data["notes"])
    assert texts == sorted([f"note {n}" for n in range(4)] + [f"again {n}" for n in range(4)])
    assert evidence(out)[0].envelope.run_id == loaded.envelope.run_id


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_deselected_tests_are_recorded_with_how(project: pytest.Pytester, workers):
    project.makepyfile(
        test_sel="""
        import pytest

        @pytest.mark.smoke
        def test_feedback():
            pass

        @pytest.mark.smoke
        def test_health():
            pass

        @pytest.mark.e2e
        def test_journey():
            pass
        """
    )
    out = project.path / "evidence"
    result = project.runpytest_subprocess(
        "test_sel.py",
        *workers,
        "-m",
        "smoke",
        "-k",
        "not feedback",
        "--releasegate-evidence",
        str(out),
    )
    result.assert_outcomes(passed=1)
    _, data = evidence(out)
    assert (data.selection, data.keyword) == ("smoke", "not feedback")
    assert sorted((d.nodeid, tuple(d.markers)) for d in data.deselected) == [
        ("test_sel.py::test_feedback", ("smoke",)),
        ("test_sel.py::test_journey", ("e2e",)),
    ]


def test_a_target_started_early_is_stopped_when_no_test_needs_it(
    project: pytest.Pytester, wait_gone
):
    """``-m smoke`` starts the target while pytest collects; no test used it: it must stop."""
    pidfile = project.path / "child.pid"
    config = project.path / "releasegate.toml"
    config.write_text(
        config.read_text().replace("--port {port}", f"--port {{port}} --child-pidfile {pidfile}")
    )
    project.makepyfile(
        test_plain="import pytest\n\n@pytest.mark.smoke\ndef test_plain():\n    pass\n"
    )
    # collection that takes a while, as in a real project: the early target gets going
    project.makeconftest(
        f"""
        import pathlib, time

        def pytest_collection_finish():
            deadline = time.monotonic() + 10
            while not pathlib.Path({str(pidfile)!r}).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        """
    )
    project.runpytest_subprocess("test_plain.py", "-m", "smoke").assert_outcomes(passed=1)
    assert pidfile.is_file()  # it was started early
    assert wait_gone(int(pidfile.read_text())), "the early target outlived the session"
