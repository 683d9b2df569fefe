"""Fixtures for taxbot's own tests: in-process apps, each on its own temporary database."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from taxbot.app import create_app
from taxbot.faults import Faults
from taxbot.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x nags about httpx (its test transport); nothing to act on here.
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient")
    from fastapi.testclient import TestClient


class Bot:
    """A TestClient on one app, plus the calls these tests repeat."""

    def __init__(self, client: TestClient, db_path: Path) -> None:
        self.client = client
        self.db_path = db_path

    def chat(self, message: str, session_id: str | None = None) -> dict[str, Any]:
        body = (
            {"message": message}
            if session_id is None
            else {"message": message, "session_id": session_id}
        )
        response = self.client.post("/api/chat", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def conversation(self, *messages: str) -> list[dict[str, Any]]:
        """Send the messages in one session; return every reply body."""
        replies: list[dict[str, Any]] = []
        for message in messages:
            session_id = replies[-1]["session_id"] if replies else None
            replies.append(self.chat(message, session_id))
        return replies

    def metric(self, sample: str, **labels: str) -> float:
        """The value of one exposed sample, e.g. ``metric("taxbot_handoffs_total")``."""
        response = self.client.get("/metrics")
        assert response.status_code == 200, response.text
        for family in text_string_to_metric_families(response.text):
            for found in family.samples:
                if found.name == sample and labels.items() <= found.labels.items():
                    return found.value
        raise AssertionError(f"no sample {sample}{labels} in /metrics")

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Query the app's database directly, to check what was really stored."""
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture
def make_bot(tmp_path: Path) -> Iterator[Callable[..., Bot]]:
    """Factory: ``make_bot("slow:50", version="2.0.0")`` builds a fresh app with those faults."""
    with ExitStack() as stack:
        count = 0

        def make(faults: str = "", version: str = "1.0.0", db_path: Path | None = None) -> Bot:
            """A fresh database unless ``db_path`` names one (a release sharing another's)."""
            nonlocal count
            count += 1
            db_path = db_path or tmp_path / f"bot{count}" / "taxbot.db"
            settings = Settings(db_path=db_path, faults=Faults.parse(faults), version=version)
            client = stack.enter_context(TestClient(create_app(settings)))
            return Bot(client, db_path)

        yield make


@pytest.fixture
def bot(make_bot: Callable[..., Bot]) -> Bot:
    return make_bot()


@pytest.fixture(scope="module")
def shared_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """One healthy app for a whole module (Hypothesis examples reuse it)."""
    db_path = tmp_path_factory.mktemp("shared") / "taxbot.db"
    with TestClient(create_app(Settings(db_path=db_path))) as client:
        yield Bot(client, db_path)
