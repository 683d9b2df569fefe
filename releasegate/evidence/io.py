"""Write evidence atomically; read it back validated, turning every defect into a named problem."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from releasegate.evidence import registry
from releasegate.evidence.envelope import Evidence
from releasegate.evidence.registry import KindData
from releasegate.redaction import redact_json
from releasegate.validation import describe_errors, joined


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file; every
    secret is masked (``releasegate.redaction``)."""
    payload = redact_json(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; CI artifact uploaders must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_evidence(path: Path, evidence: Evidence) -> None:
    write_json(path, evidence.dump())


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    sha256: str
    envelope: Evidence
    data: KindData | dict[str, Any]  # the kind's model, or the raw dict of a kind we don't know

    @property
    def kind(self) -> str:
        return self.envelope.kind


@dataclass(frozen=True)
class Problem:
    """An evidence file that cannot be used; ``kind`` is None when even that is unknown."""

    path: Path
    kind: str | None
    reason: str


@dataclass
class EvidenceSet:
    folders: list[Path]
    files: list[EvidenceFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def origins(self, attribute: str) -> dict[str, list[Path]]:
        """Each value of an envelope attribute (``run_id``, ``target.version``,
        ``target.base_url``) and the folders whose evidence has it."""
        found: dict[str, list[Path]] = {}
        for f in self.files:
            value: object = f.envelope
            for part in attribute.split("."):
                value = getattr(value, part)
            if value is None:
                continue
            folder = next((d for d in self.folders if f.path.is_relative_to(d)), f.path.parent)
            folders = found.setdefault(str(value), [])
            if folder not in folders:
                folders.append(folder)
        return found


def _first_errors(
    model: type[BaseModel], exc: ValidationError, prefix: str = "", limit: int = 3
) -> str:
    return joined([prefix + line for line in describe_errors(model, exc)], limit)


def read_file(path: Path) -> EvidenceFile | Problem:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(path, None, f"unreadable: {exc.strerror}")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Problem(path, None, f"not valid JSON (truncated?): {exc}")
    except RecursionError:
        return Problem(path, None, "not usable JSON: nested too deeply")
    named = payload.get("kind") if isinstance(payload, dict) else None
    named = named if isinstance(named, str) and named else None
    try:
        envelope = Evidence.model_validate(payload)
    except ValidationError as exc:
        return Problem(path, named, f"not releasegate evidence: {_first_errors(Evidence, exc)}")
    kind = registry.kind(envelope.kind)
    if kind is None:  # e.g. from a newer releasegate: no check of ours can read it
        return EvidenceFile(path, digest, envelope, envelope.data)
    model = kind.data_model
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        errors = _first_errors(model, exc, prefix="data.")
        return Problem(path, envelope.kind, f"invalid {envelope.kind} data: {errors}")
    return EvidenceFile(path, digest, envelope, data)


# What a run folder holds besides evidence: readers' outputs (allure-pytest's results, Allure's
# report, browser artifacts) and the baseline decision the load phase was given.
NOT_EVIDENCE_FOLDERS = frozenset({"allure-results", "allure-report", "artifacts"})
DECISION_FILES = frozenset({"decision.json", "baseline-decision.json"})


def _is_decision(path: Path) -> bool:
    """Decisions may sit beside evidence (a run folder, an ``evaluate --out`` folder)."""
    if path.name not in DECISION_FILES:
        return False
    try:
        return bool(json.loads(path.read_bytes()).get("schema") == "releasegate.decision/v1")
    except (OSError, ValueError, RecursionError, AttributeError):
        return False


def json_files(folder: Path) -> list[Path]:
    """Every regular ``*.json`` file below the folder, parallel jobs' subfolders included."""
    found = (p for p in folder.rglob("*") if p.suffix.lower() == ".json" and p.is_file())
    return sorted(
        p
        for p in found
        if not NOT_EVIDENCE_FOLDERS & set(p.relative_to(folder).parts[:-1]) and not _is_decision(p)
    )


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Validating a file of 100,000 test results allocates millions of objects, none of them in
    reference cycles; the cyclic collector's repeated passes over the growing heap cost a third
    of the read (bench/evaluate_scale.py). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_folders(folders: list[Path]) -> EvidenceSet:
    """Read each file once, however often it is named (a folder twice, a run folder and its
    evidence folder, a copied file): evidence counted twice would inflate every sample."""
    found = EvidenceSet(folders=list(dict.fromkeys(f.resolve() for f in folders)))
    paths = dict.fromkeys(p.resolve() for folder in found.folders for p in json_files(folder))
    seen: set[str] = set()
    for path in paths:
        with _without_cyclic_gc():
            result = read_file(path)
        if isinstance(result, Problem):
            found.problems.append(result)
        elif result.sha256 not in seen:
            seen.add(result.sha256)
            found.files.append(result)
    return found
