"""Charts for the HTML summary, drawn by matplotlib as inline SVG: the summary is one file that
opens anywhere, with no network and no script. (Imported only when a summary is written.)"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from releasegate.evidence.registry import format_value

PASS, FAIL, NEUTRAL, BASE = "#1a7f37", "#cf222e", "#0969da", "#8c959f"


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg")
    svg = out.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: it is inlined in HTML


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=9)
    return figure, axes


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    good: Sequence[bool] | None = None,
    baseline: Sequence[float | None] | None = None,
) -> str:
    """Horizontal bars with their values written on them; ticks on the baseline's values."""
    figure, axes = _figure(6.4, 0.42 * len(labels) + 0.9)
    scale = 100.0 if unit == "ratio" else 1.0
    shown = [v * scale for v in values]
    colors = [PASS if ok else FAIL for ok in good] if good else [NEUTRAL] * len(values)
    rows = list(range(len(labels)))
    axes.barh(rows, shown, color=colors, height=0.6)
    if good:  # a good zero (no findings) has no bar: mark it, so it does not look missing
        zeros = [r for r, v, ok in zip(rows, shown, good, strict=True) if ok and v == 0]
        axes.scatter([0.0] * len(zeros), zeros, color=PASS, s=40, zorder=3, clip_on=False)
    for row, value, raw in zip(rows, shown, values, strict=True):
        gap = "   " if good and value == 0 else " "  # clear of a good zero's mark
        axes.text(value, row, gap + format_value(unit, raw), va="center", fontsize=8)
    if baseline:
        marks = [(r, b * scale) for r, b in zip(rows, baseline, strict=True) if b is not None]
        if marks:
            axes.scatter(
                [m[1] for m in marks], [m[0] for m in marks], marker="|", s=300, color=BASE,
                label="baseline", zorder=3,
            )  # fmt: skip
            # above the plot, where it hides no bar
            axes.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    top = max([*shown, *(b * scale for b in baseline or [] if b is not None)], default=1)
    axes.set_xlim(0, 100 if unit == "ratio" else top * 1.25 or 1)
    axes.set_xlabel("%" if unit == "ratio" else unit, fontsize=9)
    if unit == "count":
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(figure)


def lines(
    xs: Sequence[float], series: Mapping[str, Sequence[float | None]], unit: str, xlabel: str
) -> str:
    """One line per series over a shared x axis (gaps where a value is missing)."""
    figure, axes = _figure(6.4, 2.8)
    for name, ys in series.items():
        axes.plot(xs, [float("nan") if y is None else y for y in ys], label=name, linewidth=1.4)
    axes.set_xlabel(xlabel, fontsize=9)
    axes.set_ylabel(unit, fontsize=9)
    axes.set_ylim(bottom=0)
    if len(series) > 1:
        axes.legend(fontsize=8)
    return _svg(figure)


def trend(labels: Sequence[str], promoted: Sequence[bool], blocking: Sequence[int]) -> str:
    """Decisions over time, oldest left: a green dot for each PROMOTE, a red bar as tall as the
    number of blocking checks for each BLOCK."""
    figure, axes = _figure(6.4, 2.4)
    rows = list(range(len(labels)))
    blocked = [(r, max(n, 1)) for r, ok, n in zip(rows, promoted, blocking, strict=True) if not ok]
    passed = [r for r, ok in zip(rows, promoted, strict=True) if ok]
    if blocked:
        axes.bar([b[0] for b in blocked], [b[1] for b in blocked], color=FAIL, width=0.6,
                 label="BLOCK (blocking checks)")  # fmt: skip
    if passed:
        axes.scatter(passed, [0.0] * len(passed), color=PASS, s=60, zorder=3, label="PROMOTE")
    axes.set_xticks(rows, labels, rotation=45, ha="right", fontsize=7)
    axes.set_ylabel("blocking checks", fontsize=9)
    axes.set_ylim(-0.5, max([b[1] for b in blocked], default=1) + 0.5)
    axes.set_xlim(-0.7, len(rows) - 0.3)
    axes.legend(fontsize=8, loc="upper left")
    return _svg(figure)
