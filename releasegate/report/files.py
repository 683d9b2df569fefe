"""Write every rendering of a decision into a run folder."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from releasegate.errors import UserError
from releasegate.evidence.io import write_json
from releasegate.gate.decision import Decision
from releasegate.redaction import redact
from releasegate.report.junit import render_junit
from releasegate.report.markdown import render_markdown
from releasegate.validation import one_line

DECISION_FILES = ("decision.json", "decision.md", "gate-junit.xml")


def write_decision(decision: Decision, folder: Path) -> list[Path]:
    """Paths inside the decision are relative to ``folder``: evaluate it with that home."""
    json_path, md_path, junit_path = (folder / name for name in DECISION_FILES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(json_path, decision.dump())
        markdown = redact(render_markdown(decision))
        md_path.write_text(markdown, encoding="utf-8")
        junit_path.write_text(redact(render_junit(decision)), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the decision to {folder}: {exc.strerror or exc}") from None
    _append_job_summary(markdown)
    return [json_path, md_path, junit_path]


def _append_job_summary(markdown: str) -> None:
    """GitHub Actions shows ``$GITHUB_STEP_SUMMARY`` on the job's page: the decision goes
    there too when it is set."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(markdown + "\n")
    except OSError as exc:
        raise UserError(f"GITHUB_STEP_SUMMARY={summary}: cannot append: {exc.strerror}") from None


def read_decision(path: Path) -> Decision:
    """A decision file read back and validated; any defect is one line naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return Decision.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise UserError(f"{path}: not valid JSON (truncated?)") from None
        raise UserError(one_line(f"{path}: not a releasegate decision", Decision, exc, 3)) from None
