"""Start the target on a free loopback port, wait until it answers HTTP, and always stop it.

Judging health is the smoke suite's job: the launcher only waits for *any* HTTP answer, so a
target that starts but reports itself unhealthy still gets tested (and blocked) rather than
being mistaken for an infrastructure failure.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from releasegate.config import TargetConfig
from releasegate.errors import TargetError, UserError
from releasegate.redaction import redact, split_userinfo
from releasegate.urls import check_base_url

LOOPBACK = "127.0.0.1"
TAIL_LINES = 20


Auth = tuple[str, str]


@dataclass(frozen=True)
class RunningTarget:
    base_url: str  # never with user-info: it is shown in every report
    launched: bool
    auth: Auth | None = None  # user-info of a given URL, sent as HTTP basic auth


def normalize_base_url(url: str, source: str = "--base-url") -> tuple[str, Auth | None]:
    """Validate a user-given base URL and split off its user-info (a secret, registered for
    redaction); an unusable URL is a usage error, not a failed test."""
    try:
        checked = check_base_url(url)
    except ValueError as exc:
        raise UserError(f"{source}: {redact(str(exc))}") from None
    return split_userinfo(checked)


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the target gets SIGTERM if we are killed outright, so no orphan outlives us."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The reason's continuation: the target's last output lines, indented under it."""
    try:
        text = path.read_text(errors="replace").rstrip()
    except OSError:
        text = ""
    if not text:
        return " (it printed nothing)"
    return "; its last output:\n" + "\n".join(f"  | {line}" for line in text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM the target's process group, then SIGKILL what is left after the grace period."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until_answering(
    process: subprocess.Popen[bytes], url: str, timeout_s: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout_s
    with requests.Session() as client:
        while True:
            code = process.poll()
            if code is not None:
                raise TargetError(
                    f"target exited with code {code} before answering HTTP{_tail(log_path)}"
                )
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                client.get(url, timeout=1.0, allow_redirects=False)
                return
            if time.monotonic() > deadline:
                raise TargetError(
                    f"target did not answer {url} within {timeout_s:g} s{_tail(log_path)}"
                )
            time.sleep(0.05)


@dataclass
class Launch:
    """A target process started and not yet known to answer: the plugin starts it while pytest
    collects and waits for it only if a collected test needs it."""

    target: TargetConfig
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    started: float

    def ready(self, announce: bool = True) -> RunningTarget:
        """Wait until it answers HTTP (any status); a TargetError with its last output if not."""
        target = self.target
        _wait_until_answering(
            self.process, self.base_url + target.health_path, target.startup_timeout_s,
            self.log_path,
        )  # fmt: skip
        if announce:
            print(
                f"releasegate: {target.name} answered at {self.base_url} "
                f"after {time.monotonic() - self.started:.1f} s",
                file=sys.stderr,
            )
        return RunningTarget(self.base_url, launched=True)


@contextlib.contextmanager
def launched(
    target: TargetConfig,
    log_dir: Path | None = None,
    announce: bool = True,
    cwd: Path | None = None,
    tmpdir: Path | None = None,
) -> Iterator[Launch]:
    """Start the target's launch command on a free loopback port, in ``cwd`` (the config's
    folder: paths in the command are relative to it); always stop it after. ``{tmpdir}`` is a
    fresh folder removed after, unless ``tmpdir`` is given (releases sharing a database)."""
    if not target.launch:
        raise UserError(
            "no --base-url given and the config has neither target.launch nor target.base_url"
        )
    with contextlib.ExitStack() as stack:
        if tmpdir is None:
            tmpdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="releasegate-target-"))
            )
        log_dir = log_dir or tmpdir
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / "target.log"
        port = free_port()
        argv = [
            arg.format(python=sys.executable, port=port, host=LOOPBACK, tmpdir=tmpdir)
            for arg in shlex.split(target.launch)
        ]
        if announce:
            print(f"releasegate: starting {target.name}: {shlex.join(argv)}", file=sys.stderr)
        log = stack.enter_context(log_path.open("wb"))
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **target.env},
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        except OSError as exc:
            raise TargetError(f"cannot start target command {argv[0]!r}: {exc.strerror}") from None
        stack.callback(_stop, process)
        yield Launch(target, process, f"http://{LOOPBACK}:{port}", log_path, time.monotonic())


@contextlib.contextmanager
def target_session(
    target: TargetConfig,
    base_url: str | None = None,
    log_dir: Path | None = None,
    announce: bool = True,
    cwd: Path | None = None,
) -> Iterator[RunningTarget]:
    """Yield the target to test: the given URL, the configured one, or a freshly launched one."""
    if base_url or target.base_url:
        source = "--base-url" if base_url else "target.base_url"
        url, auth = normalize_base_url(base_url or target.base_url or "", source)
        yield RunningTarget(url, launched=False, auth=auth)
        return
    with launched(target, log_dir, announce, cwd) as launch:
        yield launch.ready(announce)
