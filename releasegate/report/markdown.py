"""The decision as Markdown, sized for a CI job summary."""

from __future__ import annotations

import html

from releasegate.gate.decision import Decision
from releasegate.report.console import headline, target_line

ICONS = {"PASS": "✅", "WARN": "⚠️", "FAIL": "❌", "NO_DATA": "⛔", "WAIVED": "🟡"}


def _cell(text: str) -> str:
    """Table-safe: reasons quote target output, which may hold markup or pipes."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return escaped.replace("\n", "<br>")


def render_markdown(decision: Decision) -> str:
    icon = "✅" if decision.decision == "PROMOTE" else "❌"
    target = decision.target
    lines = [
        f"## {icon} releasegate: {decision.decision} for stage `{decision.stage}`",
        "",
        f"**{_cell(headline(decision))}**",
        "",
        f"- Target: {target_line(decision)}{'' if target.version else ' (version unknown)'} "
        f"at `{target.base_url or '-'}`",
        f"- Run: `{decision.run_id or '-'}` · policy sha256 `{decision.policy_sha256[:12]}`",
    ]
    if baseline := decision.baseline_line():
        lines.append(f"- {_cell(baseline[0].upper() + baseline[1:])}")
    with_baseline = decision.has_baseline
    extra = " Baseline |" if with_baseline else ""
    lines += [
        "",
        f"| Check | Level | Verdict | Observed |{extra} Threshold | Samples | Reason |",
        "|---|---|---|---|---|---|---|" + ("---|" if with_baseline else ""),
    ]
    for check in decision.checks:
        name = f"`{check.id}`" + (f"<br>{_cell(check.requirement)}" if check.requirement else "")
        base = f" {_cell(check.shown_baseline)} |" if with_baseline else ""
        lines.append(
            f"| {name} | {check.level} | {ICONS[check.shown_verdict]} {check.shown_verdict} "
            f"| {_cell(check.shown_observed)} |{base} {_cell(check.shown_threshold)} "
            f"| {check.samples} | {_cell(check.reason)} |"
        )
    if decision.new_failures:
        lines += ["", f"**New failures** (passed in the baseline): {len(decision.new_failures)}"]
        lines += [f"- `{nodeid}`" for nodeid in decision.new_failures[:50]]
    if decision.evidence:
        lines += ["", "<details><summary>Evidence</summary>", ""]
        lines += [f"- `{e.file}` ({e.kind}, sha256 `{e.sha256[:12]}`)" for e in decision.evidence]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
