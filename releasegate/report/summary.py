"""``summary.html``: the decision for people, one self-contained file (no network, no script):
the verdict and why, the business metrics against the baseline, every check, and charts of
what the evidence measured (pass rate by suite, compliance by intent, latency over time,
accessibility by page, the decision trend from history)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasegate.evidence.io import EvidenceSet
from releasegate.evidence.registry import (
    Measurement,
    Scope,
    Sourced,
    format_value,
    kinds,
    metrics,
)
from releasegate.gate.decision import Decision
from releasegate.history import Entry
from releasegate.layout import SUITES
from releasegate.redaction import redact
from releasegate.report.console import headline, target_line

SUMMARY_FILE = "summary.html"

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
.verdict{display:inline-block;padding:2px 10px;border-radius:6px;color:#fff;font-weight:700}
.PROMOTE,.PASS{background:#1a7f37}.BLOCK,.FAIL{background:#cf222e}.WARN{background:#9a6700}
.NO_DATA{background:#8250df}.WAIVED{background:#bf8700}
.meta{color:#59636e;margin:2px 0}.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:10px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px}.card b{font-size:20px;display:block}
.card small{color:#59636e}.better{color:#1a7f37}.worse{color:#cf222e}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #d0d7de;
padding:5px 6px;text-align:left;vertical-align:top}td.num{white-space:nowrap}
td.reason{white-space:pre-wrap;overflow-wrap:anywhere;color:#424a53}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}figure{margin:0}
figcaption{font-weight:600;margin-bottom:4px}figure svg{width:100%;height:auto}
.none{color:#59636e;font-style:italic}
"""


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str | None  # None: nothing measured for it in this run
    missing: str = ""


def _e(text: object) -> str:
    return html.escape(str(text))


def _files(evidence: EvidenceSet, kind: str) -> list[Sourced[Any]]:
    return [Sourced(str(f.path), f.data) for f in evidence.files if f.kind == kind]


def _measure(name: str, select: dict[str, str], data: list[Sourced[Any]]) -> Measurement | None:
    metric = metrics().get(name)
    if metric is None or not data:
        return None
    measured = metric.measure(Scope(select=select, stage_suites=SUITES), data)
    return measured if isinstance(measured, Measurement) else None


def _baseline_value(baseline: Decision | None, metric: str) -> float | None:
    if baseline is None:
        return None
    found = [c for c in baseline.checks if c.metric == metric and not c.select]
    return found[0].observed if found else None


def _lower_is_better(decision: Decision, metric: str) -> bool | None:
    """The direction a check on the whole metric gives it (None: no such check)."""
    ops = {c.threshold.split()[0] for c in decision.checks if c.metric == metric and not c.select}
    return None if not ops else bool(ops & {"<", "<="})


def _cards(decision: Decision, evidence: EvidenceSet, baseline: Decision | None) -> str:
    """Each metric a kind declares a headline for, measured on this run's evidence."""
    cards = []
    for name, metric in metrics().items():
        if metric.headline is None:
            continue
        label = metric.headline
        measured = _measure(name, {}, _files(evidence, metric.kind))
        if measured is None:
            cards.append(f'<div class="card">{_e(label)}<b>-</b><small>not measured</small></div>')
            continue
        before = _baseline_value(baseline, name)
        note = "no baseline"
        if before is not None:
            delta = measured.value - before
            lower = _lower_is_better(decision, name)
            css = (
                "" if lower is None or not delta else "worse" if (delta > 0) == lower else "better"
            )
            note = (
                f"baseline {_e(format_value(metric.unit, before))} "
                f'<span class="{css}">({"+" if delta >= 0 else "-"}'
                f"{_e(format_value(metric.unit, abs(delta)))})</span>"
            )
        cards.append(
            f'<div class="card">{_e(label)}<b>{_e(format_value(metric.unit, measured.value))}</b>'
            f"<small>{note} · {measured.samples} samples</small></div>"
        )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _breakdowns(evidence: EvidenceSet, baseline: Decision | None) -> list[Chart]:
    """Every chart a kind declares, or a note that its kind is not in this run."""
    from releasegate.report import charts

    found = []
    # the tests' pass rate by suite first: the chart everyone looks for
    for kind in sorted(kinds().values(), key=lambda k: k.name != "tests"):
        data = _files(evidence, kind.name)
        for b in kind.breakdowns:
            unit = metrics()[b.metric].unit
            rows = [
                (v, m) for v in b.values(data) if (m := _measure(b.metric, {b.selector: v}, data))
            ]
            if not rows:
                found.append(Chart(b.title, None, f"no {kind.name} evidence in this run"))
                continue
            before = None
            if baseline is not None:
                known = {
                    c.select.get(b.selector): c.observed
                    for c in baseline.checks
                    if c.metric == b.metric
                }
                before = [known.get(v) for v, _ in rows]
            good = (
                [m.successes == m.samples for _, m in rows]
                if unit == "ratio"
                else [m.value == 0 for _, m in rows]
                if b.fewer_is_better
                else None
            )
            values = [m.value for _, m in rows]
            svg = charts.bars([v for v, _ in rows], values, unit, good, before)
            found.append(Chart(b.title, svg))
        for t in kind.timelines:
            series = t.series(data)
            if series is None:
                found.append(Chart(t.title, None, f"no {kind.name} history in this run"))
            else:
                found.append(
                    Chart(t.title, charts.lines(series.xs, series.lines, t.unit, t.xlabel))
                )
    return found


def _trend(history: Sequence[Entry]) -> Chart:
    from releasegate.report import charts

    if not history:
        return Chart("Decision trend", None, "no decisions recorded yet")
    oldest_first = list(reversed(history))
    labels = [f"#{e.id} {e.decided_at[5:16].replace('T', ' ')}" for e in oldest_first]
    svg = charts.trend(
        labels, [e.decision == "PROMOTE" for e in oldest_first], [e.blocking for e in oldest_first]
    )
    return Chart(f"Decision trend ({oldest_first[0].stage})", svg)


def _checks(decision: Decision) -> str:
    rows = []
    for c in decision.checks:
        rows.append(
            f"<tr><td><code>{_e(c.id)}</code><br><small>{_e(c.requirement or '')}</small></td>"
            f"<td>{_e(c.level)}</td>"
            f'<td><span class="verdict {c.shown_verdict}">{_e(c.shown_verdict)}</span></td>'
            f'<td class="num">{_e(c.shown_observed)}</td>'
            f'<td class="num">{_e(c.shown_baseline)}</td>'
            f'<td class="num">{_e(c.shown_threshold)}</td><td class="num">{c.samples}</td>'
            f'<td class="reason">{_e(c.reason)}</td></tr>'
        )
    head = (
        "<tr><th>Check</th><th>Level</th><th>Verdict</th><th>Observed</th><th>Baseline</th>"
        "<th>Threshold</th><th>Samples</th><th>Reason</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def render_summary(
    decision: Decision,
    evidence: EvidenceSet,
    history: Sequence[Entry] = (),
    baseline: Decision | None = None,
) -> str:
    charts = [*_breakdowns(evidence, baseline), _trend(history)]
    figures = "".join(
        f"<figure><figcaption>{_e(c.title)}</figcaption>"
        + (c.svg if c.svg else f'<p class="none">{_e(c.missing)}</p>')
        + "</figure>"
        for c in charts
    )
    meta = [
        f"{_e(target_line(decision))} at {_e(decision.target.base_url or '-')}",
        f"run {_e(decision.run_id or '-')} · policy sha256 {_e(decision.policy_sha256[:12])}",
    ]
    if line := decision.baseline_line():
        meta.append(_e(line))
    new = ""
    if decision.new_failures:
        items = "".join(f"<li><code>{_e(n)}</code></li>" for n in decision.new_failures[:100])
        new = f"<h2>New failures (passed in the baseline)</h2><ul>{items}</ul>"
    evidence_list = "".join(
        f"<li><code>{_e(e.file)}</code> ({_e(e.kind)})</li>" for e in decision.evidence
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>releasegate: {_e(decision.decision)} · {_e(decision.stage)}</title>
<style>{CSS}</style></head>
<body><main>
<h1><span class="verdict {decision.decision}">{_e(decision.decision)}</span>
stage {_e(decision.stage)}</h1>
{"".join(f'<p class="meta">{m}</p>' for m in meta)}
<p><strong>{_e(headline(decision))}</strong></p>
<h2>Business metrics</h2>{_cards(decision, evidence, baseline)}
<h2>Checks</h2>{_checks(decision)}
{new}
<h2>Charts</h2><div class="charts">{figures}</div>
<h2>Evidence</h2><ul>{evidence_list}</ul>
</main></body></html>
"""
    return redact(page)


def write_summary(
    folder: Path,
    decision: Decision,
    evidence: EvidenceSet,
    history: Sequence[Entry] = (),
    baseline: Decision | None = None,
) -> Path:
    path = folder / SUMMARY_FILE
    path.write_text(render_summary(decision, evidence, history, baseline), encoding="utf-8")
    return path
