"""Every decision, kept: the baseline of the next run (the last PROMOTE of the same target and
stage) and the trend in reports. SQLite under the reports folder by default; a PostgreSQL URL
for a history that many CI runners share."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import ValidationError

from releasegate.errors import UserError
from releasegate.gate.decision import Decision
from releasegate.redaction import redact

DEFAULT_FILE = "history.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS releasegate_decisions (
    id {id_type} PRIMARY KEY,
    decided_at TEXT NOT NULL,
    target TEXT NOT NULL,
    stage TEXT NOT NULL,
    run_id TEXT,
    version TEXT,
    decision TEXT NOT NULL,
    blocking INTEGER NOT NULL,
    document TEXT NOT NULL,
    passed_tests BYTEA NOT NULL
)
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS releasegate_decisions_by_target "
    "ON releasegate_decisions (target, stage, decision, id)"
)
COLUMNS = "id, decided_at, target, stage, run_id, version, decision, blocking"


@dataclass(frozen=True)
class Entry:
    """One recorded decision, as ``releasegate history`` lists it."""

    id: int
    decided_at: str
    target: str
    stage: str
    run_id: str | None
    version: str | None
    decision: str
    blocking: int


@dataclass(frozen=True)
class Baseline:
    """What a run is compared with: an earlier decision and the tests that passed in it."""

    decision: Decision
    passed_tests: frozenset[str]
    source: str  # "history #12" or the file it was read from

    def describe(self) -> dict[str, object]:
        return {
            "source": self.source,
            "run_id": self.decision.run_id,
            "version": self.decision.target.version,
        }


class _Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def commit(self) -> None: ...
    def close(self) -> None: ...


class History:
    """A history store at a URL: ``sqlite:///path``, a plain file path, or
    ``postgresql://user@host/db``."""

    def __init__(self, url: str, reports: Path) -> None:
        self.url = url
        self._postgres = urlsplit(url).scheme in ("postgresql", "postgres")
        if self._postgres:
            self.where = _without_password(url)
        else:
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:") else url
            self._path = Path(path) if Path(path).is_absolute() else reports / path
            self.where = str(self._path)

    @classmethod
    def default(cls, reports: Path, url: str | None) -> History:
        return cls(url or DEFAULT_FILE, reports)

    @contextmanager
    def _connect(self) -> Iterator[_Connection]:
        try:
            connection = self._open()
        except Exception as exc:  # each driver has its own error tree; all mean "unusable"
            why = _first_line(exc)
            raise UserError(f"history store {self.where}: cannot open: {why}") from None
        try:
            yield connection
            connection.commit()
        except (sqlite3.Error, _pg_error()) as exc:
            raise UserError(f"history store {self.where}: {_first_line(exc)}") from None
        finally:
            connection.close()

    def _open(self) -> _Connection:
        if self._postgres:
            import psycopg

            connection: _Connection = psycopg.connect(self.url, connect_timeout=10)
            connection.execute(SCHEMA.format(id_type="BIGSERIAL"))
        else:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self._path, timeout=30)
            connection.execute(SCHEMA.format(id_type="INTEGER").replace("BYTEA", "BLOB"))
        connection.execute(INDEX)
        return connection

    def _empty(self) -> bool:
        """Reading a store that was never written finds nothing and creates nothing."""
        return not self._postgres and not self._path.exists()

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self._postgres else query

    def record(self, decision: Decision, decided_at: datetime, passed_tests: set[str]) -> int:
        """Keep a decision; returns its id in the store."""
        tests = zlib.compress(json.dumps(sorted(passed_tests)).encode())
        row = (
            decided_at.isoformat(timespec="seconds"),
            decision.target.name or "",
            decision.stage,
            decision.run_id,
            decision.target.version,
            decision.decision,
            len(decision.blocking),
            redact(json.dumps(decision.dump())),
            tests,
        )
        with self._connect() as db:
            cursor = db.execute(
                self._sql(
                    "INSERT INTO releasegate_decisions (decided_at, target, stage, run_id, "
                    "version, decision, blocking, document, passed_tests) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
                ),
                row,
            )
            (ident,) = cursor.fetchone()
        return int(ident)

    def recent(
        self, limit: int = 20, target: str | None = None, stage: str | None = None
    ) -> list[Entry]:
        """Newest first."""
        if self._empty():
            return []
        where, params = _filters(target=target, stage=stage)
        with self._connect() as db:
            rows = db.execute(
                self._sql(
                    f"SELECT {COLUMNS} FROM releasegate_decisions {where} ORDER BY id DESC LIMIT ?"
                ),
                (*params, limit),
            ).fetchall()
        return [Entry(*row) for row in rows]

    def baseline(self, target: str, stage: str) -> Baseline | None:
        """The last PROMOTE of this target and stage, or None before the first."""
        if self._empty():
            return None
        where, params = _filters(target=target, stage=stage, decision="PROMOTE")
        with self._connect() as db:
            row = db.execute(
                self._sql(
                    f"SELECT id, document, passed_tests FROM releasegate_decisions {where} "
                    "ORDER BY id DESC LIMIT 1"
                ),
                params,
            ).fetchone()
        if row is None:
            return None
        ident, document, tests = row
        try:
            decision = Decision.model_validate_json(document)
        except ValidationError:
            raise UserError(
                f"history store {self.where}: decision #{ident} is not a releasegate decision "
                "(written by a newer releasegate?)"
            ) from None
        passed = frozenset(json.loads(zlib.decompress(bytes(tests))))
        return Baseline(decision, passed, f"history #{ident}")


def baseline_from_file(path: Path) -> Baseline:
    """``--baseline FILE``: a decision.json, with the tests evidence it lists when that is still
    beside it (so new failures can be listed)."""
    from releasegate.evidence.io import EvidenceFile, read_file
    from releasegate.gate.evaluate import passing_tests
    from releasegate.report.files import read_decision

    decision = read_decision(path)
    files = [
        found
        for ref in decision.evidence
        if ref.kind == "tests"
        and isinstance(found := read_file(path.parent / ref.file), EvidenceFile)
    ]
    return Baseline(decision, frozenset(passing_tests(files)), str(path))


def _filters(**values: str | None) -> tuple[str, list[str]]:
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        return "", []
    return "WHERE " + " AND ".join(f"{k} = ?" for k in given), list(given.values())


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _pg_error() -> type[Exception]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return sqlite3.Error
    return psycopg.Error
