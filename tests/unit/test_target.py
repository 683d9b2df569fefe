"""The launcher starts a real process, waits for HTTP, and leaves nothing running behind."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from releasegate.config import TargetConfig
from releasegate.errors import TargetError, UserError
from releasegate.target import target_session

SERVER = Path(__file__).resolve().parent.parent / "fixtures" / "tinyserver.py"


def tiny(extra: str = "", timeout: float = 10.0) -> TargetConfig:
    return TargetConfig(
        name="tiny",
        launch=f"{{python}} {SERVER} --port {{port}} {extra}",
        startup_timeout_s=timeout,
    )


def test_launches_waits_and_stops_the_whole_process_group(tmp_path, alive, wait_gone):
    pidfile = tmp_path / "child.pid"
    with target_session(tiny(f"--delay 0.3 --child-pidfile {pidfile}"), announce=False) as target:
        assert target.launched
        assert target.base_url.startswith("http://127.0.0.1:")
        assert httpx.get(target.base_url + "/healthz").text == "ok"
        grandchild = int(pidfile.read_text())
        assert alive(grandchild)
    with pytest.raises(httpx.TransportError):
        httpx.get(target.base_url + "/healthz", timeout=1)
    assert wait_gone(grandchild), "the target's own child outlived the run"


def test_target_that_exits_reports_code_and_output():
    with (
        pytest.raises(TargetError) as info,
        target_session(tiny("--exit 3"), announce=False),
    ):
        pass
    first, *output = str(info.value).splitlines()
    assert first == "target exited with code 3 before answering HTTP; its last output:"
    assert output == ["  | tinyserver starting", "  | fatal: database is locked"]


def test_target_that_never_answers_times_out_and_is_killed(tmp_path, wait_gone):
    pidfile = tmp_path / "child.pid"
    started = time.monotonic()
    with (
        pytest.raises(TargetError, match=r"did not answer .*/healthz within 0.5 s"),
        target_session(tiny(f"--never --child-pidfile {pidfile}", timeout=0.5), announce=False),
    ):
        pass
    assert time.monotonic() - started < 8
    assert wait_gone(int(pidfile.read_text()))


def test_missing_command_is_a_target_error():
    config = TargetConfig(name="x", launch="/nonexistent/bin/serve --port {port}")
    with (
        pytest.raises(TargetError, match="cannot start target command '/nonexistent/bin/serve'"),
        target_session(config, announce=False),
    ):
        pass


def test_interrupt_stops_the_target(tmp_path, wait_gone):
    pidfile = tmp_path / "child.pid"
    with (
        pytest.raises(KeyboardInterrupt),
        target_session(tiny(f"--child-pidfile {pidfile}"), announce=False),
    ):
        raise KeyboardInterrupt
    assert wait_gone(int(pidfile.read_text()))


def test_base_url_launches_nothing():
    with target_session(tiny(), base_url="http://127.0.0.1:9/", announce=False) as target:
        assert not target.launched
        assert target.base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://x", "http://"])
def test_bad_base_url_is_a_usage_error(url):
    with pytest.raises(UserError, match="is not an http"), target_session(tiny(), base_url=url):
        pass


def test_no_launch_and_no_url_is_explained():
    with (
        pytest.raises(UserError, match=r"neither target\.launch nor target\.base_url"),
        target_session(TargetConfig(name="x"), announce=False),
    ):
        pass


def test_launch_runs_in_the_config_folder_so_relative_paths_work(tmp_path):
    """A project's config says ``launch = "{python} app/server.py ..."``, relative to itself."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "server.py").write_text(SERVER.read_text())
    config = TargetConfig(name="app", launch="{python} app/server.py --port {port}")
    with target_session(config, announce=False, cwd=tmp_path) as target:
        assert httpx.get(target.base_url + "/healthz").text == "ok"
