"""The decision as Markdown, sized for a CI job summary."""

from __future__ import annotations

import html

from releasegate.config import Config
from releasegate.gate.decision import Decision
from releasegate.gate.evaluate import format_threshold, format_value
from releasegate.report.console import headline

ICONS = {"PASS": "✅", "WARN": "⚠️", "FAIL": "❌", "NO_DATA": "⛔"}


def _cell(text: str) -> str:
    """Table-safe: reasons quote target output, which may hold markup or pipes."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return escaped.replace("\n", "<br>")


def render_markdown(decision: Decision, config: Config) -> str:
    icon = "✅" if decision.decision == "PROMOTE" else "❌"
    target = decision.target
    lines = [
        f"## {icon} releasegate: {decision.decision} for stage `{decision.stage}`",
        "",
        f"**{_cell(headline(decision))}**",
        "",
        f"- Target: {config.target.name} {target.version or '(version unknown)'} "
        f"at `{target.base_url or '-'}`",
        f"- Run: `{decision.run_id or '-'}` · policy sha256 `{decision.policy_sha256[:12]}`",
        "",
        "| Check | Level | Verdict | Observed | Threshold | Samples | Reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for check in decision.checks:
        policy = config.policy.checks[check.id]
        observed = "-" if check.observed is None else format_value(policy, check.observed)
        name = f"`{check.id}`" + (f"<br>{_cell(policy.requirement)}" if policy.requirement else "")
        lines.append(
            f"| {name} | {check.level} | {ICONS[check.verdict]} {check.verdict} | {observed} "
            f"| {_cell(format_threshold(policy))} | {check.samples} | {_cell(check.reason)} |"
        )
    if decision.evidence:
        lines += ["", "<details><summary>Evidence</summary>", ""]
        lines += [f"- `{e.file}` ({e.kind}, sha256 `{e.sha256[:12]}`)" for e in decision.evidence]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
