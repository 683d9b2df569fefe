"""Allure is for reading results, never for deciding (its own quality gate passed runs where
every test failed, allure3#895): each pytest phase writes allure-results through allure-pytest,
we add what Allure cannot know (the environment and our failure categories), and
``releasegate report`` builds Allure 3's HTML report when its ``allure`` command is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from releasegate import __version__
from releasegate.errors import UserError
from releasegate.gate.decision import Decision
from releasegate.redaction import redact

ALLURE_VERSION = "3.18.0"  # the Allure 3 release this is tested with (npm package "allure")
REPORT_DIR = "allure-report"

# Failures sorted by what a reader does next (Allure shows them under "Categories").
CATEGORIES = [
    {
        "name": "Not applicable to this target",
        "matchedStatuses": ["skipped"],
        "messageRegex": ".*not applicable.*",
    },
    {
        "name": "Target unreachable or too slow",
        "matchedStatuses": ["broken", "failed"],
        "messageRegex": ".*(Connection refused|unreachable|timed out|Timeout).*",
    },
    {
        "name": "Conversation compliance violations",
        "matchedStatuses": ["failed"],
        "messageRegex": ".*(disclaimer|promise|personal data|PII|injection|escalat).*",
    },
    {"name": "Product defects", "matchedStatuses": ["failed"]},
    {"name": "Test defects", "matchedStatuses": ["broken"]},
]


def write_metadata(results: Path, decision: Decision) -> None:
    """``environment.properties`` and ``categories.json`` beside the results, when a phase
    wrote any."""
    if not results.is_dir():
        return
    environment = {
        "releasegate.decision": decision.decision,
        "releasegate.stage": decision.stage,
        "releasegate.run_id": decision.run_id or "-",
        "releasegate.version": __version__,
        "policy.sha256": decision.policy_sha256,
        "target.name": decision.target.name or "-",
        "target.version": decision.target.version or "unknown",
        "target.base_url": decision.target.base_url or "-",
    }
    lines = [f"{key}={_escape(value)}" for key, value in environment.items()]
    try:
        (results / "environment.properties").write_text(
            redact("\n".join(lines)) + "\n", encoding="utf-8"
        )
        (results / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"cannot write to {results}: {exc.strerror or exc}") from None


def _escape(value: str) -> str:
    """Java properties: backslashes, and characters that would end a key or a line."""
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
    return escaped.replace("=", "\\=").replace(":", "\\:")


def find_allure(project: Path) -> str | None:
    """``$RELEASEGATE_ALLURE``, ``allure`` on PATH, or ``node_modules/.bin/allure`` of the
    project (``npm install allure@3.18.0``)."""
    given = os.environ.get("RELEASEGATE_ALLURE")
    if given:
        return given
    local = project / "node_modules" / ".bin" / "allure"
    return shutil.which("allure") or (str(local) if local.is_file() else None)


def build_report(run_dir: Path, project: Path, timeout_s: float = 300) -> Path:
    """Allure 3's HTML report of a run folder's allure-results, in ``run_dir/allure-report``."""
    results = run_dir / "allure-results"
    if not results.is_dir() or not any(results.glob("*-result.json")):
        raise UserError(f"{run_dir}: no allure-results with test results in it (a run folder?)")
    allure = find_allure(project)
    if allure is None:
        raise UserError(
            "the allure command is not installed: npm install -g allure@"
            f"{ALLURE_VERSION} (or set RELEASEGATE_ALLURE to its path)"
        )
    out = run_dir / REPORT_DIR
    argv = [allure, "generate", str(results), "--output", str(out),
            "--report-name", f"releasegate {run_dir.name}"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"{allure}: could not run: {exc}") from None
    if done.returncode != 0 or not (out / "index.html").is_file():
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise UserError(f"allure generate failed (exit {done.returncode}): {tail}")
    return out / "index.html"
