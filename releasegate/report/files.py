"""Write every rendering of a decision into a run folder."""

from __future__ import annotations

from pathlib import Path

from releasegate.config import Config
from releasegate.errors import UserError
from releasegate.evidence.io import write_json
from releasegate.gate.decision import Decision
from releasegate.report.junit import render_junit
from releasegate.report.markdown import render_markdown

DECISION_FILES = ("decision.json", "decision.md", "gate-junit.xml")


def write_decision(decision: Decision, config: Config, folder: Path) -> list[Path]:
    json_path, md_path, junit_path = (folder / name for name in DECISION_FILES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_json(json_path, decision.dump())
        md_path.write_text(render_markdown(decision, config), encoding="utf-8")
        junit_path.write_text(render_junit(decision), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the decision to {folder}: {exc.strerror or exc}") from None
    return [json_path, md_path, junit_path]
