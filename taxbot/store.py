"""SQLite persistence: sessions, stored leads, feedback and handoffs.

One connection in WAL mode guarded by a lock: request handlers run in a thread pool, and
SQLite serialises writers anyway, so a single connection keeps the code obvious.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REFERENCE_BASE = 100_000
LEAD_COLUMNS = ("name", "email", "phone", "ownership", "property", "location")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    lead_state TEXT NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT UNIQUE,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    name TEXT,
    email TEXT,
    phone TEXT,
    ownership TEXT,
    property TEXT,
    location TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    rating INTEGER NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS handoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT UNIQUE,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SessionRecord:
    id: str
    lead_state: dict[str, Any]
    turns: int


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    rating: int
    created_at: str


@dataclass(frozen=True)
class LeadRecord:
    reference: str
    created_at: str
    fields: list[str]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The only code that speaks SQL."""

    def __init__(self, path: Path, schema_change: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        # The schema_change fault: a destructive migration that renames the tables holding
        # leads and feedback, so the previous release, reading the same file, finds them empty.
        self._leads, self._feedback = "leads", "feedback"
        if schema_change:
            self._leads, self._feedback = "leads_v2", "feedback_v2"
            names = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            for old, new in (("leads", "leads_v2"), ("feedback", "feedback_v2")):
                if new not in names:
                    self._db.execute(f"ALTER TABLE {old} RENAME TO {new}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def ping(self) -> None:
        """Raise sqlite3.Error unless the database answers a trivial query."""
        with self._lock:
            self._db.execute("SELECT 1").fetchone()

    def create_session(self, lead_state: Mapping[str, Any]) -> SessionRecord:
        session = SessionRecord(id=uuid.uuid4().hex, lead_state=dict(lead_state), turns=0)
        with self._lock:
            self._db.execute(
                "INSERT INTO sessions (id, created_at, lead_state, turns) VALUES (?, ?, ?, 0)",
                (session.id, _now(), json.dumps(session.lead_state)),
            )
        return session

    def get_session(self, session_id: str) -> SessionRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT lead_state, turns FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row is None:
            return None
        return SessionRecord(id=session_id, lead_state=json.loads(row[0]), turns=row[1])

    def save_session(self, session_id: str, lead_state: Mapping[str, Any], turns: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE sessions SET lead_state = ?, turns = ? WHERE id = ?",
                (json.dumps(dict(lead_state)), turns, session_id),
            )

    def add_lead(self, session_id: str, fields: Mapping[str, str]) -> str:
        """Store a qualified lead and return its reference, ``PT-`` + (100000 + row id)."""
        values = [fields.get(column) for column in LEAD_COLUMNS]
        placeholders = ", ".join("?" for _ in LEAD_COLUMNS)
        sql = (
            f"INSERT INTO {self._leads} (session_id, {', '.join(LEAD_COLUMNS)}, created_at) "
            f"VALUES (?, {placeholders}, ?)"
        )
        return self._insert_with_reference(self._leads, "PT", sql, (session_id, *values, _now()))

    def get_lead(self, reference: str) -> LeadRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT created_at, {', '.join(LEAD_COLUMNS)} FROM {self._leads} "
                "WHERE reference = ?",
                (reference,),
            ).fetchone()
        if row is None:
            return None
        present = [column for column, value in zip(LEAD_COLUMNS, row[1:], strict=True) if value]
        return LeadRecord(reference=reference, created_at=row[0], fields=present)

    def add_handoff(self, session_id: str, reason: str) -> str:
        """Store a handoff to a human and return its reference, ``HO-`` + (100000 + row id)."""
        sql = "INSERT INTO handoffs (session_id, reason, created_at) VALUES (?, ?, ?)"
        return self._insert_with_reference("handoffs", "HO", sql, (session_id, reason, _now()))

    def add_feedback(self, session_id: str, rating: int, comment: str | None) -> int:
        with self._lock:
            cursor = self._db.execute(
                f"INSERT INTO {self._feedback} (session_id, rating, comment, created_at)"
                " VALUES (?, ?, ?, ?)",
                (session_id, rating, comment, _now()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def get_feedback(self, feedback_id: int) -> FeedbackRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT rating, created_at FROM {self._feedback} WHERE id = ?", (feedback_id,)
            ).fetchone()
        return None if row is None else FeedbackRecord(feedback_id, row[0], row[1])

    def _insert_with_reference(
        self, table: str, prefix: str, sql: str, params: tuple[object, ...]
    ) -> str:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            row_id = self._db.execute(sql, params).lastrowid
            assert row_id is not None
            reference = f"{prefix}-{REFERENCE_BASE + row_id}"
            self._db.execute(f"UPDATE {table} SET reference = ? WHERE id = ?", (reference, row_id))
        return reference
