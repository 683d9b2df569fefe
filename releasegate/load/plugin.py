"""Wires releasegate into Locust through its events: options (``init_command_line_parser``),
the session and the target (``init``), a collector per test (``test_start`` ... ``test_stop``,
which writes the load evidence), the verdict of the load checks as the exit code
(``quitting``), and the web UI's "Release gate" tab."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from locust import events
from locust.runners import MasterRunner

from releasegate import __version__
from releasegate.errors import UserError
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.load import LoadData
from releasegate.gate.decision import CheckResult
from releasegate.load import collector as collecting
from releasegate.load.checks import judge_load, render
from releasegate.load.session import Session, add_options, fail, open_session, prepare_target
from releasegate.load.users import ChatUser, weighted_tasks
from releasegate.runid import new_run_id
from releasegate.targetinfo import fetch_version

log = logging.getLogger("releasegate")

_state: dict[str, Any] = {}  # one Locust process, one environment


def session_of(environment: Any) -> Session | None:
    session = _state.get("session")
    return session if isinstance(session, Session) else None


def current() -> collecting.Collector | None:
    found = _state.get("collector")
    return found if isinstance(found, collecting.Collector) else None


def last_results() -> list[CheckResult] | None:
    found = _state.get("results")
    return found if isinstance(found, list) else None


@events.init_command_line_parser.add_listener
def _options(parser: Any, **_: Any) -> None:
    add_options(parser)


@events.init.add_listener
def _init(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if options is None:  # Locust used as a library without our options
        return
    try:
        session = open_session(options)
        _state["session"] = session
        ChatUser.tasks = weighted_tasks(session)
        if collecting.is_worker(environment):
            environment.events.report_to_master.add_listener(collecting.add_cpu_to_report)
            return
        prepare_target(session, environment)
    except UserError as exc:
        fail(str(exc))
    if environment.web_ui:
        from releasegate.load.webtab import install

        install(environment, session)
    if isinstance(environment.runner, MasterRunner):
        environment.events.worker_report.add_listener(_worker_report)


def _worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    collector = current()
    if collector is not None:
        collector.worker_report(client_id, data)


@events.test_start.add_listener
def _test_start(environment: Any, **_: Any) -> None:
    session = session_of(environment)
    if session is None or collecting.is_worker(environment):
        return
    collector = collecting.Collector(environment, session)
    _state["collector"] = collector
    _state["run_id"] = session.options.releasegate_run_id or new_run_id()
    collector.start()


@events.test_stop.add_listener
def _test_stop(environment: Any, **_: Any) -> None:
    session = session_of(environment)
    collector = current()
    if session is None or collector is None or collecting.is_worker(environment):
        return
    _state["collector"] = None
    data = collector.finish("stopped")
    path = write(session, environment, data, _state["run_id"])
    results = judge_load(session, data)
    _state["results"] = results
    print(render(results, path), file=sys.stderr, flush=True)


def write(session: Session, environment: Any, data: LoadData, run_id: str) -> Path:
    """The evidence file of one test, where the options say (or under reports/<run-id>/)."""
    options = session.options
    folder = (
        Path(options.releasegate_evidence) if options.releasegate_evidence
        else session.config.path("reports") / run_id / "evidence" / "load"
    )  # fmt: skip
    host = environment.host or ""
    evidence = make_evidence(
        data, run_id, session.stage,
        TargetRef(base_url=host, version=fetch_version(host, session.config.target)),
        Producer(tool="releasegate-locust", version=__version__), datetime.now(UTC),
    )  # fmt: skip
    path = folder / f"load-{run_id}.json"
    write_evidence(path, evidence)
    return path


@events.quitting.add_listener
def _quitting(environment: Any, **_: Any) -> None:
    """The exit code says what the load checks said: 0 all pass, 1 a block-level check failed
    or had no data; a test that never ran leaves Locust's own code."""
    session = session_of(environment)
    results = last_results()
    if session is not None and results is not None and environment.process_exit_code is None:
        blocked = any(r.blocks for r in results)
        environment.process_exit_code = 1 if blocked else 0
    if session is not None:
        session.stack.close()  # stop a target we launched
