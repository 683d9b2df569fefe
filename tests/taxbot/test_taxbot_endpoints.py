"""Health, readiness, version, metrics, leads and framework errors: exact shapes."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import jsonschema_rs  # schemathesis validates with it too
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST

from taxbot import __version__
from taxbot.settings import Settings

ERROR_KEYS = {"code", "message", "field"}


def test_healthz(bot):
    response = bot.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_database_answers(bot):
    response = bot.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_readyz_when_database_is_gone(bot):
    bot.client.app.state.store.close()
    response = bot.client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unready",
        "database": "Cannot operate on a closed database.",
    }


def test_version_default_and_override(make_bot):
    assert make_bot().client.get("/version").json() == {"name": "taxbot", "version": "1.0.0"}
    assert __version__ == "1.0.0"
    response = make_bot(version="2.3.4").client.get("/version")
    assert response.status_code == 200
    assert response.json() == {"name": "taxbot", "version": "2.3.4"}


@pytest.mark.parametrize(
    ("db", "environ", "expected_db", "expected_version"),
    [
        (None, {}, Path("taxbot.db"), "1.0.0"),
        (None, {"TAXBOT_DB": "/data/t.db"}, Path("/data/t.db"), "1.0.0"),
        ("/arg.db", {"TAXBOT_DB": "/data/t.db"}, Path("/arg.db"), "1.0.0"),
        (None, {"TAXBOT_VERSION": "9.9.9"}, Path("taxbot.db"), "9.9.9"),
    ],
)
def test_settings_from_env(db, environ, expected_db, expected_version):
    settings = Settings.from_env(db=db, environ=environ)
    assert settings.db_path == expected_db
    assert settings.version == expected_version


def test_settings_read_faults_from_env():
    settings = Settings.from_env(environ={"TAXBOT_FAULTS": "promise, slow:5"})
    assert settings.faults.promise
    assert settings.faults.slow_ms == 5


def test_metrics_exposition(make_bot):
    bot = make_bot(version="3.1.0")
    response = bot.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    for name in (
        "taxbot_chat_requests_total",
        "taxbot_chat_latency_seconds_bucket",
        "taxbot_disclaimers_shown_total",
        "taxbot_handoffs_total",
        "taxbot_leads_qualified_total",
        "taxbot_feedback_total",
    ):
        assert re.search(rf"^{name}\b", response.text, re.MULTILINE), name
    assert bot.metric("taxbot_build_info", version="3.1.0") == 1.0
    assert bot.metric("taxbot_chat_requests_total", intent="appeals") == 0.0
    assert bot.metric("taxbot_feedback_total", rating="5") == 0.0


def test_apps_keep_separate_metrics(make_bot):
    first, second = make_bot(), make_bot()
    first.chat("hello")
    assert first.metric("taxbot_chat_requests_total", intent="greeting") == 1.0
    assert second.metric("taxbot_chat_requests_total", intent="greeting") == 0.0


def test_database_is_created_in_wal_mode(bot):
    assert bot.db_path.exists()
    with sqlite3.connect(bot.db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"sessions", "leads", "feedback", "handoffs"} <= tables


def test_feedback_is_recorded(bot):
    session_id = bot.chat("hello")["session_id"]
    first = bot.client.post(
        "/api/feedback", json={"session_id": session_id, "rating": 4, "comment": "Clear."}
    )
    second = bot.client.post("/api/feedback", json={"session_id": session_id, "rating": 1})
    assert first.status_code == 201
    assert first.json() == {"status": "recorded", "feedback_id": 1}
    assert second.json() == {"status": "recorded", "feedback_id": 2}
    assert bot.rows("SELECT session_id, rating, comment FROM feedback ORDER BY id") == [
        (session_id, 4, "Clear."),
        (session_id, 1, None),
    ]
    assert bot.metric("taxbot_feedback_total", rating="4") == 1.0
    assert bot.metric("taxbot_feedback_total", rating="1") == 1.0


def test_unknown_lead_reference(bot):
    response = bot.client.get("/api/leads/PT-999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["field"] == "reference"
    assert "PT-999999" in response.json()["error"]["message"]


def test_unknown_path_has_the_error_shape(bot):
    response = bot.client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Nothing here: GET /nope", "field": None}
    }


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("POST", "/healthz", "GET"), ("GET", "/api/chat", "POST"), ("DELETE", "/", "GET")],
)
def test_wrong_method_has_the_error_shape(bot, method, path, allowed):
    response = bot.client.request(method, path)
    assert response.status_code == 405
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed"
    assert method in error["message"]
    assert path in error["message"]
    assert response.headers["allow"] == allowed


def test_interactive_docs_are_not_served(bot):
    for path in ("/docs", "/redoc"):
        assert bot.client.get(path).status_code == 404


def test_openapi_describes_bodies_and_every_error_status(bot):
    """The published document is what API fuzzing holds the server to: request bodies from
    the payload models, the success shape, and the one error shape on each error status."""
    doc = bot.client.get("/openapi.json").json()
    chat = doc["paths"]["/api/chat"]["post"]
    body = chat["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["message"]
    assert body["properties"]["message"]["maxLength"] == 2000
    assert sorted(chat["responses"]) == ["200", "400", "404", "413", "415", "422", "500", "503"]
    error = chat["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}
    feedback = doc["paths"]["/api/feedback"]["post"]
    rating = feedback["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert rating["rating"] == {
        "type": "integer", "minimum": 1, "maximum": 5, "title": "Rating",
        "description": "an integer from 1 to 5",
    }  # fmt: skip
    assert "201" in feedback["responses"]
    assert "/" not in doc["paths"]  # the page is HTML, not API


def test_replies_and_errors_match_the_published_schemas(bot):
    doc = bot.client.get("/openapi.json").json()
    components = doc["components"]["schemas"]

    def valid(name: str, instance: object) -> bool:
        schema = {**components[name], "components": doc["components"]}  # refs resolve here
        return bool(jsonschema_rs.validator_for(schema).is_valid(instance))

    reply = bot.client.post("/api/chat", json={"message": "How do I appeal?"})
    assert valid("ChatReply", reply.json())
    for response in (
        bot.client.post("/api/chat", json={"message": 5}),
        bot.client.post("/api/chat", content=b"{", headers={"content-type": "application/json"}),
        bot.client.post("/api/chat", json={"message": "hi", "session_id": "nope"}),
    ):
        assert valid("ErrorBody", response.json()), response.text


def test_framework_validation_errors_use_the_error_shape(bot):
    app = bot.client.app

    @app.get("/probe")
    def probe(count: int) -> dict[str, int]:
        return {"count": count}

    response = bot.client.get("/probe", params={"count": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == ERROR_KEYS
    assert error["code"] == "invalid_field"
    assert error["field"] == "count"


def test_unexpected_crash_is_a_json_500(bot, monkeypatch):
    def crash(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.client.app.state.store, "create_session", crash)
    client = TestClient(bot.client.app, raise_server_exceptions=False)
    response = client.post("/api/chat", json={"message": "hello"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
