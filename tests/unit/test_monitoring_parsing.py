"""Metric names in PromQL, dashboards and rule files: what they refer to, and problems named
with the file and the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releasegate.monitoring.files import check_rules, parse_dashboard, parse_rules, promtool
from releasegate.monitoring.promql import metric_names

CASES = [
    ("histogram_quantile(0.95, sum by (le) (rate(lat_bucket[$__rate_interval])))", {"lat_bucket"}),
    ('sum(rate(req_total{path=~"/api/.*",status=~"5.."}[5m])) / sum(rate(req_total[5m]))',
     {"req_total"}),
    ('increase(leads_total[6h]) == 0 and on() sum(chats_total{intent="lead"}) > 20',
     {"leads_total", "chats_total"}),
    ('{__name__="named_total", job="x"}', {"named_total"}),
    ("sum without (instance) (x offset 5m) * on (job) group_left(version) build_info",
     {"x", "build_info"}),
    ("max_over_time(a[1h:5m] @ end())", {"a"}),
    ('count_values("value", b) > bool 1e3', {"b"}),
    ("rate(c[5m] offset -1h)", {"c"}),
    ("sum(x) by (job, le)", {"x"}),
    ("topk(5, y)", {"y"}),
    ("vector(1) + nan + Inf", set()),
    ('label_replace(z, "dst", "$1", "src", "(.*)")', {"z"}),
    ("ns:recorded:rate5m > 0.01", {"ns:recorded:rate5m"}),
    ('up{job="${job}"} == 0 # comment naming not_a_metric', {"up"}),
    ("sum(rate(x_total[5m])) unless ignoring(code) y_total or z_total", {"x_total", "y_total",
                                                                          "z_total"}),
    ("0x1F * 2.5e-3 - 1h_not_metric", set()),
]  # fmt: skip


@pytest.mark.parametrize(("expr", "names"), CASES, ids=[c[0][:40] for c in CASES])
def test_metric_names(expr, names):
    assert metric_names(expr) == names


def _dashboard(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "dash.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def test_dashboard_expressions_carry_panel_and_line_through_rows(tmp_path):
    path = _dashboard(tmp_path, {"panels": [
        {"title": "Errors", "targets": [{"expr": "rate(a_total[5m])"}]},
        {"type": "row", "title": "More", "panels": [
            {"title": "Latency", "targets": [{"expr": "b_bucket"}, {"expr": "c"}]}]},
    ]})  # fmt: skip
    parsed = parse_dashboard(path, "dash.json")
    assert parsed.problem is None
    assert [(e.where, e.expr) for e in parsed.expressions] == [
        ('panel "Errors" (line 7)', "rate(a_total[5m])"),
        ('panel "Latency" (line 19)', "b_bucket"),
        ('panel "Latency" (line 22)', "c"),
    ]
    lines = path.read_text().splitlines()
    assert '"expr": "b_bucket"' in lines[19 - 1]
    assert '"expr": "c"' in lines[22 - 1]


def test_dashboard_that_is_not_json_names_the_line(tmp_path):
    path = tmp_path / "dash.json"
    path.write_text('{\n  "panels": [\n    {"title": "x",}\n  ]\n}\n')
    problem = parse_dashboard(path, "dash.json").problem
    # line 3 is '    {"title": "x",}': the 19th character is the '}' after the comma
    assert problem == (
        "line 3 column 19: not valid JSON: Expecting property name enclosed in double quotes"
    )


def test_dashboard_without_promql_is_a_problem(tmp_path):
    path = _dashboard(tmp_path, {"panels": [{"title": "text only"}]})
    assert "no panel has a PromQL expr" in (parse_dashboard(path, "d.json").problem or "")


def test_missing_dashboard_is_a_problem(tmp_path):
    assert "cannot read" in (parse_dashboard(tmp_path / "nope.json", "nope.json").problem or "")


RULES = """groups:
  - name: g
    rules:
      - record: job:errors:rate5m
        expr: sum(rate(errors_total[5m]))
      - alert: TooMany
        expr: job:errors:rate5m > 1
"""


def test_rule_expressions_and_recorded_series(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    parsed = parse_rules(path, "rules.yml")
    assert parsed.defines == {"job:errors:rate5m"}
    assert [(e.where, e.expr) for e in parsed.expressions] == [
        ("record job:errors:rate5m (line 5)", "sum(rate(errors_total[5m]))"),
        ("alert TooMany (line 7)", "job:errors:rate5m > 1"),
    ]


needs_promtool = pytest.mark.skipif(promtool() is None, reason="promtool is not installed")


@needs_promtool
def test_promtool_accepts_good_rules(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    assert check_rules(path, promtool() or "") is None


@needs_promtool
def test_promtool_rejection_names_the_file_and_line(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(RULES.replace("> 1", "> (1"))
    problem = check_rules(path, promtool() or "")
    assert problem is not None
    assert problem.startswith(f'promtool check rules: {path}: 7:15: group "g", rule 2, ')
    assert "could not parse expression" in problem


@needs_promtool
def test_promtool_rejects_yaml_that_is_not_rules(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up\n      bad\n"
    )
    problem = check_rules(path, promtool() or "")
    assert problem is not None
    assert "rules.yml" in problem
