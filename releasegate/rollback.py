"""The rollback drill: a rollback procedure that was never tried is a hope, not a plan.

The candidate is started, writes a lead and a feedback through its own API, and is stopped;
the previous release is started on the same database (both launch commands share one
``{tmpdir}``), the stage's suites run against it, and it must report another version and still
serve what the candidate wrote. The outcome is ``rollback`` evidence."""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from releasegate import __version__
from releasegate.chat.engine import ChatFailure, ContractError, excerpt
from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.chat.transport import chat_target, open_session
from releasegate.config import Config, Rollback
from releasegate.errors import UserError
from releasegate.evidence.envelope import Producer, TargetRef, make_evidence
from releasegate.evidence.io import write_evidence
from releasegate.evidence.kinds.rollback import DataRecord, RollbackData
from releasegate.target import RunningTarget, launched
from releasegate.targetinfo import fetch_version

TIMEOUT_S = 10.0


@dataclass
class Written:
    """What the candidate stored, as the previous release will be asked for it."""

    records: list[tuple[str, str | None, str]] = field(default_factory=list)  # what, url, note


def _write(config: Config, drill: Rollback, target: RunningTarget) -> Written:
    """A lead through the chat contract and a feedback on that conversation."""
    written = Written()
    source = str(config.source)
    with open_session(config.target, target.base_url, target.auth, source) as session:
        conversation = chat_target(config.target, session, source).conversation()
        reply = ""
        try:
            for message in drill.lead_messages:
                reply = conversation.send(message).reply
        except (ChatFailure, ContractError) as exc:
            written.records.append(("lead", None, f"the candidate did not take the lead: {exc}"))
        else:
            found = re.search(drill.lead_reference, reply)
            if found:
                url = drill.lead_path.replace("{reference}", found.group(1))
                written.records.append(("lead", url, f"lead {found.group(1)}"))
            else:
                note = f"no reference matching {drill.lead_reference!r} in {excerpt(reply)!r}"
                written.records.append(("lead", None, note))
        feedback = config.target.feedback
        if config.target.has("feedback") and conversation.conversation_id:
            answer = session.post(
                feedback.path,
                json={
                    feedback.session_field: conversation.conversation_id,
                    feedback.rating_field: feedback.rating,
                },
            )
            ident = lookup(answer.json(), drill.feedback_id) if answer.ok else MISSING
            if ident is MISSING or ident is None:
                note = f"feedback answered {answer.status_code}: {excerpt(answer.text)}"
                written.records.append(("feedback", None, note))
            else:
                url = drill.feedback_path.replace("{id}", str(ident))
                written.records.append(("feedback", url, f"feedback {ident}"))
    return written


def _read(written: Written, target: RunningTarget) -> list[DataRecord]:
    records = []
    for what, path, note in written.records:
        if path is None:
            records.append(DataRecord(what=what, written=False, served=False, detail=note))
            continue
        try:
            answer = requests.get(target.base_url + path, timeout=TIMEOUT_S, auth=target.auth)
            served, detail = answer.status_code == 200, f"GET {path} answered {answer.status_code}"
        except requests.RequestException as exc:
            served, detail = False, f"GET {path} failed: {type(exc).__name__}"
        records.append(
            DataRecord(what=what, written=True, served=served, detail=f"{note}: {detail}")
        )
    return records


@contextlib.contextmanager
def drilled(
    config: Config,
    drill: Rollback,
    run_dir: Path,
    evidence_dir: Path,
    run_id: str,
    stage: str,
) -> Iterator[RunningTarget]:
    """Run the candidate, write its data, stop it; yield the previous release (started on the
    same database) for the stage's suites; write the ``rollback`` evidence."""
    if not config.target.launch:
        raise UserError(
            f"{config.source}: a rollback drill starts and stops the releases itself: it needs "
            "target.launch (not target.base_url or --base-url)"
        )
    shared = Path(tempfile.mkdtemp(prefix="releasegate-drill-"))
    try:
        with launched(config.target, run_dir / "candidate", cwd=config.root, tmpdir=shared) as c:
            candidate = c.ready()
            candidate_version = fetch_version(candidate.base_url, config.target)
            written = _write(config, drill, candidate)
        print(
            "releasegate: candidate stopped; starting the previous release on its database",
            file=sys.stderr,
        )
        previous_target = config.target.model_copy(
            update={"launch": drill.previous_launch, "env": {**config.target.env,
                                                              **drill.previous_env}}
        )  # fmt: skip
        with launched(previous_target, run_dir / "previous", cwd=config.root, tmpdir=shared) as p:
            previous = p.ready()
            previous_version = fetch_version(previous.base_url, config.target)
            data = RollbackData(
                candidate_version=candidate_version,
                previous_version=previous_version,
                records=_read(written, previous),
            )
            where = TargetRef(base_url=previous.base_url, version=previous_version)
            producer = Producer(tool="releasegate-rollback", version=__version__)
            envelope = make_evidence(data, run_id, stage, where, producer, datetime.now(UTC))
            folder = evidence_dir / "rollback"
            folder.mkdir(parents=True, exist_ok=True)
            write_evidence(folder / f"rollback-{run_id}.json", envelope)
            yield previous
    finally:
        shutil.rmtree(shared, ignore_errors=True)
