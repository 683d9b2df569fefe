"""Dashboard and alert-rule files: are they valid, and which metrics do they refer to?

A Grafana dashboard is JSON whose panels (also panels nested in rows) have ``targets`` with a
PromQL ``expr``; a Prometheus rule file is YAML that ``promtool check rules`` must accept.
Problems are named with the file and the line, the way an editor would jump to them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from releasegate.monitoring.promql import metric_names

PROMTOOL_TIMEOUT_S = 30


@dataclass(frozen=True)
class Expression:
    file: str
    where: str  # 'panel "API error ratio" (line 40)'
    expr: str


@dataclass(frozen=True)
class Parsed:
    """A file's expressions, the series it defines itself (recording rules), or its problem."""

    expressions: list[Expression]
    defines: set[str]
    problem: str | None = None


def _walk(node: Any, title: str | None = None) -> Iterator[tuple[str | None, str]]:
    """(panel title, expr) in document order, through rows and nested panels."""
    if isinstance(node, dict):
        title = node.get("title", title) if isinstance(node.get("title"), str) else title
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield title, value
            else:
                yield from _walk(value, title)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, title)


def parse_dashboard(path: Path, shown: str) -> Parsed:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Parsed([], set(), f"cannot read: {exc}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Parsed([], set(), f"line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}")
    found = list(_walk(data))
    if not found:
        return Parsed([], set(), "no panel has a PromQL expr (is this a Grafana dashboard?)")
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"expr"\s*:', text)]
    if len(lines) != len(found):
        lines = [0] * len(found)
    expressions = [
        Expression(shown, f'panel "{title or "untitled"}"' + (f" (line {n})" if n else ""), expr)
        for (title, expr), n in zip(found, lines, strict=True)
    ]
    return Parsed(expressions, set())


def parse_rules(path: Path, shown: str) -> Parsed:
    """The expressions of a rule file promtool accepted (YAML nodes carry their lines)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return Parsed([], set(), f"cannot read: {exc}")
    expressions: list[Expression] = []
    defines: set[str] = set()
    for rule in _rule_nodes(root):
        fields = {k.value: v for k, v in rule.value if isinstance(k, yaml.ScalarNode)}
        expr = fields.get("expr")
        name_node = fields.get("alert") or fields.get("record")
        if not isinstance(expr, yaml.ScalarNode) or not isinstance(name_node, yaml.ScalarNode):
            continue
        kind = "alert" if "alert" in fields else "record"
        if kind == "record":
            defines.add(name_node.value)
        where = f"{kind} {name_node.value} (line {expr.start_mark.line + 1})"
        expressions.append(Expression(shown, where, expr.value))
    return Parsed(expressions, defines)


def _rule_nodes(root: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    if not isinstance(root, yaml.MappingNode):
        return
    for key, groups in root.value:
        if key.value != "groups" or not isinstance(groups, yaml.SequenceNode):
            continue
        for group in groups.value:
            if not isinstance(group, yaml.MappingNode):
                continue
            for gkey, rules in group.value:
                if gkey.value == "rules" and isinstance(rules, yaml.SequenceNode):
                    yield from (r for r in rules.value if isinstance(r, yaml.MappingNode))


def promtool() -> str | None:
    return shutil.which("promtool")


def check_rules(path: Path, executable: str) -> str | None:
    """None when ``promtool check rules`` accepts the file, else its complaint (it names the
    line: ``alerts.yml: 12:9: group "x", rule 2, "Y": could not parse expression: ...``)."""
    result = subprocess.run(
        [executable, "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=PROMTOOL_TIMEOUT_S,
        check=False,
    )
    if result.returncode == 0:
        return None
    output = (result.stdout + result.stderr).splitlines()
    lines = [line.strip() for line in output if line.strip() and not line.startswith("Checking")]
    lines = [line for line in lines if line != "FAILED:"]
    return "promtool check rules: " + ("; ".join(lines) or f"exit code {result.returncode}")


def references(expressions: list[Expression]) -> list[tuple[Expression, str]]:
    """Every (expression, metric name) pair, in file order."""
    return [(e, name) for e in expressions for name in sorted(metric_names(e.expr))]
