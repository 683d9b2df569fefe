"""The metric names a PromQL expression reads, found by a careful tokenizer.

Neither Prometheus 2.x's HTTP API nor promtool prints a parsed query, and no maintained Python
PromQL parser exists, so this strips what cannot be a metric name and keeps the rest:

- string literals (label values, ``count_values("x", ...)``) and ``# comments``;
- Grafana and releasegate variables (``$__rate_interval``, ``${job}``, ``$window``);
- label matchers ``{...}``, except ``__name__="..."`` (a metric named by matcher);
- grouping lists after ``by``, ``without``, ``on``, ``ignoring``, ``group_left``,
  ``group_right``; range and subquery brackets ``[5m:1m]``; ``offset`` and ``@`` modifiers;
- identifiers followed by ``(`` (functions and aggregations), keywords and operators.

What is left is the names of vector selectors. Syntax is promtool's job (``check rules``);
an expression promtool accepts is tokenized correctly here (see the unit tests).
"""

from __future__ import annotations

import re

KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "inf", "nan", "start", "end", "atan2",
}  # fmt: skip
GROUPING = r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)"
STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:[^"\\]|\\.)*)"')
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# Series Prometheus makes itself for every scrape, and the alerts it records.
SYNTHETIC = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
    "scrape_samples_post_metric_relabeling", "ALERTS", "ALERTS_FOR_STATE",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """Every metric name the expression selects (not functions, labels or keywords)."""
    names = set(NAME_MATCHER.findall(expr))
    text = re.sub(STRING, '""', expr)
    text = re.sub(r"#[^\n]*", " ", text)
    text = re.sub(r"\$\{[^}]*\}|\$\w+", " ", text)
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"\[[^\[\]]*\]", " ", text)
    text = re.sub(GROUPING, " ", text)
    text = re.sub(r"@\s*[\w.()]+", " ", text)
    text = re.sub(r"\boffset\s+-?[\w.]+", " ", text)
    # numbers (1e3, 0x1f, 5m, 1.5) are not identifiers: drop them with their unit letters
    text = re.sub(r"(?<![\w:])[0-9][\w.]*", " ", text)
    for match in IDENTIFIER.finditer(text):
        word = match.group()
        after = text[match.end() :].lstrip()
        if word.lower() in KEYWORDS or after.startswith("("):
            continue
        names.add(word)
    return names


def exposed_names(families: list[tuple[str, list[str]]]) -> set[str]:
    """Every sample name a scrape exposes (``x_total``, ``x_bucket``, ``x_sum``, ``x_count``),
    from ``(family, sample names)`` pairs; a reference to any of them is a real metric."""
    return {name for family, samples in families for name in (family, *samples)}
