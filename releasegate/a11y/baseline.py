"""The a11y baseline: the identities (rule, page, normalized selector) of the findings of an
earlier run, read from an a11y evidence file, a run folder, or a decision.json (through the
evidence files it lists). A finding in the baseline is reported as known; only new ones block.
A history store hands :func:`releasegate.evidence.kinds.a11y.mark_known` the same set."""

from __future__ import annotations

import json
from pathlib import Path

from releasegate.errors import ConfigError
from releasegate.evidence.io import EvidenceFile, read_file, read_folders
from releasegate.evidence.kinds.a11y import A11yData, identity


def _files(path: Path) -> list[EvidenceFile]:
    if path.is_dir():
        evidence = read_folders([path])
        problems = [p for p in evidence.problems if p.kind == "a11y"]
        if problems:
            raise ConfigError(f"a11y.baseline: {problems[0].path}: {problems[0].reason}")
        return evidence.files
    if path.name == "decision.json":
        try:
            listed = json.loads(path.read_text(encoding="utf-8"))["evidence"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"a11y.baseline: {path}: not a readable decision ({exc})") from None
        paths = [path.parent / e["file"] for e in listed if e.get("kind") == "a11y"]
        if not paths:
            raise ConfigError(f"a11y.baseline: {path}: the decision lists no a11y evidence")
        return [f for p in paths for f in _files(p)]
    read = read_file(path)
    if not isinstance(read, EvidenceFile):
        raise ConfigError(f"a11y.baseline: {path}: {read.reason}")
    return [read]


def load_baseline(path: Path) -> set[str]:
    """Identities of every finding in the a11y evidence at ``path``."""
    if not path.exists():
        raise ConfigError(f"a11y.baseline: no such file or folder {path}")
    found = [f for f in _files(path) if isinstance(f.data, A11yData)]
    if not found:
        raise ConfigError(f"a11y.baseline: {path} holds no a11y evidence")
    return {identity(finding) for f in found for finding in f.data.findings}  # type: ignore[union-attr]
