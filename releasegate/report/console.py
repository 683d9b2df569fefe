"""The decision as a terminal table: every check with observed value, threshold and reason."""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import TextIO

from releasegate.gate.decision import CheckResult, Decision

COLORS = {
    "PASS": "32",
    "WARN": "33",
    "FAIL": "31",
    "NO_DATA": "35",
    "PROMOTE": "1;32",
    "BLOCK": "1;31",
}
HEADER = ("CHECK", "LEVEL", "VERDICT", "OBSERVED", "THRESHOLD", "SAMPLES")


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _paint(text: str, word: str, color: bool) -> str:
    return f"\033[{COLORS[word]}m{text}\033[0m" if color else text


def _row(check: CheckResult, with_baseline: bool) -> tuple[str, ...]:
    cells = [check.id, check.level, check.shown_verdict, check.shown_observed]
    cells += [check.shown_baseline] if with_baseline else []
    return (*cells, check.shown_threshold, str(check.samples))


def headline(decision: Decision) -> str:
    blocking = decision.blocking
    if not blocking:
        checks = decision.checks
        warned = [c.id for c in checks if c.verdict == "WARN"]
        unknown = [c.id for c in checks if c.verdict == "NO_DATA"]  # warn level: not blocking
        waived = [c.id for c in checks if c.waived]
        notes = [f"warnings: {', '.join(warned)}"] if warned else []
        notes += [f"no data at warn level: {', '.join(unknown)}"] if unknown else []
        notes += [f"waived: {', '.join(waived)}"] if waived else []
        note = f" ({'; '.join(notes)})" if notes else ""
        if unknown:
            return f"PROMOTE: {len(checks) - len(unknown)} of {len(checks)} checks pass{note}"
        return f"PROMOTE: all {len(checks)} checks pass{note}"
    named = ", ".join(f"{c.id} {c.verdict}" for c in blocking)
    return f"BLOCK: {named}"


def target_line(decision: Decision) -> str:
    """``taxbot 1.0.0``: the target's name and version, as far as the decision knows them."""
    target = decision.target
    return " ".join(filter(None, (target.name or "target", target.version)))


def render(decision: Decision, color: bool = False) -> str:
    width = max(60, min(shutil.get_terminal_size((120, 24)).columns, 160))
    target = decision.target
    name = target_line(decision)
    lines = [
        f"releasegate · stage {decision.stage} · run {decision.run_id or '-'} · "
        f"{name} at {target.base_url or '-'}",
        "",
    ]
    with_baseline = decision.has_baseline
    header = (*HEADER[:4], "BASELINE", *HEADER[4:]) if with_baseline else HEADER
    rows = [header] + [_row(c, with_baseline) for c in decision.checks]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for check, row in zip(decision.checks, rows[1:], strict=True):
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=True)]
        cells[2] = _paint(cells[2], "WARN" if check.waived else check.verdict, color)
        lines.append("  ".join(cells).rstrip())
        for part in check.reason.splitlines():
            lines += textwrap.wrap(part, width, initial_indent="    ", subsequent_indent="      ")
    if baseline := decision.baseline_line():
        lines += ["", baseline]
    if decision.new_failures:
        lines += ["", f"new failures (passed in the baseline): {len(decision.new_failures)}"]
        lines += [f"  {nodeid}" for nodeid in decision.new_failures[:20]]
        if len(decision.new_failures) > 20:
            lines.append(f"  (and {len(decision.new_failures) - 20} more)")
    lines += ["", _paint(headline(decision), decision.decision, color)]
    return "\n".join(lines)
