"""The harness treats taxbot like any user's app: it starts it as a command, never imports it."""

from __future__ import annotations

import ast
from pathlib import Path


def test_releasegate_never_imports_taxbot(project_root: Path):
    offenders = []
    for path in (project_root / "releasegate").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path}:{node.lineno}" for n in names if n.split(".")[0] == "taxbot"]
    assert offenders == []
