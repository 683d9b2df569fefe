"""Fixtures for tests of the harness: real configs and real evidence files in tmp folders."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from releasegate.config import Config, load_config
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.tests import (
    CollectionError,
    DeselectedTest,
    TestResult,
    TestsData,
)
from releasegate.target import free_port

# CI wants reproducible examples and no deadline flakes on a busy 2-core machine.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = "20261122T100000Z-abc123"
WriteTests = Callable[..., Path]
NarrowStage = Callable[[str, list[str], list[str]], Path]
REPO_HISTORY = ROOT / "reports" / "history.sqlite"  # the user's own: tests never write it


def _stamp() -> float | None:
    return REPO_HISTORY.stat().st_mtime if REPO_HISTORY.exists() else None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.stash[_HISTORY_KEY] = _stamp()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A test that ran the gate without ``--reports`` wrote the repository's history, where a
    later test finds it as a baseline: fail the session, naming the file."""
    if hasattr(session.config, "workerinput"):  # the controller checks, once
        return
    if _HISTORY_KEY in session.stash and _stamp() != session.stash[_HISTORY_KEY]:
        print(f"\na test wrote {REPO_HISTORY}: give every releasegate run --reports tmp_path")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_HISTORY_KEY = pytest.StashKey[float | None]()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def default_config() -> Config:
    """The shipped releasegate.toml: tests of the gate judge the policy users really get."""
    return load_config(ROOT / "releasegate.toml")


@pytest.fixture(scope="session")
def smoke_config(default_config: Config) -> Config:
    """The shipped config with its staging stage narrowed to the smoke suite and the three
    tests checks: for tests of the gate's handling of ``tests`` evidence."""
    data = default_config.model_dump()
    data["stages"]["staging"]["suites"] = ["smoke"]
    data["stages"]["staging"]["checks"] = ["tests_pass_rate", "smoke_pass_rate", "min_tests"]
    return Config.model_validate(data)


@pytest.fixture
def narrow_stage(tmp_path: Path) -> NarrowStage:
    """The shipped config plus one stage of smoke and a few suites and checks, in a tmp folder
    that sees the project's conversations and monitoring files: a fault matrix then costs a
    short run of the suites that catch its faults, not a whole staging gate per fault (staging
    itself is still run whole for one fault of each family)."""

    def write(name: str, suites: list[str], checks: list[str]) -> Path:
        folder = tmp_path / "narrow"
        folder.mkdir()
        for shared in ("conversations", "taxbot"):
            (folder / shared).symlink_to(ROOT / shared)
        table = (
            f"\n[stages.{name}]\nsuites = {json.dumps(['smoke', *suites])}\nworkers = 2\n"
            f"checks = {json.dumps(['smoke_pass_rate', *checks])}\n"
        )
        (folder / "releasegate.toml").write_text((ROOT / "releasegate.toml").read_text() + table)
        return folder / "releasegate.toml"

    return write


@pytest.fixture
def write_tests(tmp_path: Path) -> WriteTests:
    """Write a ``tests`` evidence file from a list of (outcome, marker) pairs."""

    def write(
        outcomes: list[tuple[str, str]],
        name: str = "tests.json",
        folder: Path | None = None,
        run_id: str = RUN_ID,
        stage: str = "staging",
        version: str | None = "1.0.0",
        produced_at: datetime | None = None,
        exit_code: int | None = None,
        collection_errors: list[CollectionError] | None = None,
        deselected: list[tuple[str, str]] | None = None,
        keyword: str | None = None,
        module: str = "test_x",
    ) -> Path:
        tests = [
            TestResult(
                nodeid=f"suites/{marker}/{module}.py::test_{i}",
                outcome=outcome,
                duration_s=0.01,
                markers=[marker],
                message="AssertionError: boom" if outcome in ("failed", "error") else None,
            )
            for i, (outcome, marker) in enumerate(outcomes)
        ]
        if exit_code is None:
            exit_code = 1 if any(o in ("failed", "error") for o, _ in outcomes) else 0
        data = TestsData.build(
            tests=tests,
            collected=len(tests),
            exit_code=exit_code,
            collection_errors=collection_errors or [],
            selection="smoke",
            keyword=keyword,
            deselected=[
                DeselectedTest(nodeid=nodeid, markers=[marker])
                for nodeid, marker in deselected or []
            ],
        )
        evidence = make_evidence(
            data,
            run_id=run_id,
            stage=stage,
            target=TargetRef(base_url="http://127.0.0.1:9", version=version),
            producer=Producer(tool="pytest", version="test"),
            produced_at=produced_at or datetime.now(UTC),
        )
        path = (folder or tmp_path / "evidence") / name
        write_evidence(path, evidence)
        return path

    return write


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purposes
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def alive() -> Callable[[int], bool]:
    """Is this process alive (zombies are not)?"""
    return _alive


@pytest.fixture
def wait_gone() -> Callable[..., bool]:
    """Wait up to a few seconds for a process to end; False if it outlives that."""
    return _wait_gone


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server from Debian's packages, started in a temporary folder on a free
    loopback port (for the shared history store), stopped after the session."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("PostgreSQL is not installed (scripts/setup.sh installs it)")
    # PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Its own folder in /tmp: pytest's tmp_path is private to root, where postgres cannot enter.
    folder = Path(tempfile.mkdtemp(prefix="releasegate-pg-"))
    data = folder / "pgdata"
    if as_user:
        shutil.chown(folder, "postgres")
    port = free_port()

    def run(*argv: str) -> None:
        subprocess.run([*as_user, *argv], check=True, capture_output=True, timeout=120)

    run(initdb, "-D", str(data), "-U", "releasegate", "--auth=trust", "-E", "UTF8")
    run(
        pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
        "-o", f"-h 127.0.0.1 -p {port} -k {folder} -F", "start",
    )  # fmt: skip
    try:
        yield f"postgresql://releasegate@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)
