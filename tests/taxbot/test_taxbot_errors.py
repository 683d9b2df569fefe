"""Bad input: every case gets its 4xx and the error shape, never a 5xx (fuzzed too)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ERROR_KEYS = {"code", "message", "field"}
JSON = {"content-type": "application/json"}


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert isinstance(body["error"]["message"], str)
    assert len(body["error"]["message"]) > 10
    return body["error"]


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        (b"", "Expecting value at line 1, column 1"),
        (b"{", "line 1, column 2"),
        (b"{'message': 'hi'}", "Expecting property name"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"just a string"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"\xff\xfe\xfa", "text encoding"),
        (b"[" * 50_000, "nested too deeply"),
        (b'{"message": 1' + b"0" * 5000 + b"}", "too many digits"),
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_invalid_json_is_400(bot, path, body, message_part):
    error = assert_error(bot.client.post(path, content=body, headers=JSON), 400, "invalid_json")
    assert message_part in error["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_wrong_content_type_is_415(bot, path, content_type):
    headers = {} if content_type is None else {"content-type": content_type}
    response = bot.client.post(path, content=b'{"message": "hi"}', headers=headers)
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_json_content_type_with_charset_is_accepted(bot):
    response = bot.client.post(
        "/api/chat",
        content=b'{"message": "hi"}',
        headers={"content-type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_oversized_body_is_413(bot, path):
    body = json.dumps({"message": "x" * (64 * 1024)}).encode()
    error = assert_error(
        bot.client.post(path, content=body, headers=JSON), 413, "payload_too_large"
    )
    assert "65536 bytes" in error["message"]


def test_oversized_body_without_content_length_is_413(bot):
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = bot.client.post("/api/chat", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_body_just_under_the_limit_is_read(bot):
    padding = "x" * (64 * 1024 - 100)
    body = json.dumps({"message": "hello", "padding": padding}).encode()
    assert len(body) <= 64 * 1024
    assert bot.client.post("/api/chat", content=body, headers=JSON).status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message_part"),
    [
        ({}, "message", "Field 'message' is required"),
        ({"message": None}, "message", "must be a non-empty string"),
        ({"message": 42}, "message", "must be a non-empty string"),
        ({"message": ["hi"]}, "message", "must be a non-empty string"),
        ({"message": ""}, "message", "must not be empty"),
        ({"message": " \t\n "}, "message", "must not be empty"),
        ({"message": "x" * 2001}, "message", "too long: 2001 characters (limit 2000)"),
        ({"message": "\ud800"}, "message", "invalid Unicode"),
        ({"message": "hi", "session_id": 7}, "session_id", "must be a string"),
        ({"message": "hi", "session_id": "\udfff"}, "session_id", "invalid Unicode"),
    ],
)
def test_invalid_chat_fields_are_422(bot, body, field, message_part):
    response = bot.client.post("/api/chat", content=json.dumps(body).encode(), headers=JSON)
    error = assert_error(response, 422, "invalid_field", field)
    assert message_part in error["message"]


def test_message_of_exactly_2000_characters_is_accepted(bot):
    reply = bot.chat("a" * 2000)
    assert reply["intent"] == "out_of_scope"


def test_extra_fields_and_null_session_are_accepted(bot):
    response = bot.client.post(
        "/api/chat", json={"message": "hello", "session_id": None, "locale": "en"}
    )
    assert response.status_code == 200
    assert response.json()["intent"] == "greeting"


@pytest.mark.parametrize(
    ("body", "field", "message_part"),
    [
        ({"rating": 5}, "session_id", "Field 'session_id' is required"),
        ({"session_id": "S"}, "rating", "Field 'rating' is required: an integer from 1 to 5"),
        ({"session_id": "S", "rating": True}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": "S", "rating": "5"}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": "S", "rating": 4.0}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": "S", "rating": 0}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": "S", "rating": 6}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": "S", "rating": 10**30}, "rating", "must be an integer from 1 to 5"),
        ({"session_id": None, "rating": 3}, "session_id", "must be a string"),
        ({"session_id": "S", "rating": 3, "comment": 1}, "comment", "must be a string"),
        ({"session_id": "S", "rating": 3, "comment": "x" * 1001}, "comment", "limit 1000"),
    ],
)
def test_invalid_feedback_fields_are_422(bot, body, field, message_part):
    session_id = bot.chat("hello")["session_id"]
    if body.get("session_id") == "S":
        body = {**body, "session_id": session_id}
    response = bot.client.post("/api/feedback", json=body)
    error = assert_error(response, 422, "invalid_field", field)
    assert message_part in error["message"]


def test_feedback_for_unknown_session_is_404(bot):
    response = bot.client.post("/api/feedback", json={"session_id": "nope", "rating": 3})
    assert_error(response, 404, "unknown_session", "session_id")


def test_chat_for_unknown_session_is_404(bot):
    response = bot.client.post("/api/chat", json={"session_id": "", "message": "hi"})
    assert_error(response, 404, "unknown_session", "session_id")


# --- fuzzing: whatever arrives, the answer is never a 5xx and 4xx has the error shape ---

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
field_values = st.one_of(
    json_values,
    st.text(max_size=2100),
    st.integers(min_value=-3, max_value=8),
    st.sampled_from(["", " ", "\u0000", "appeal", "call me dana@example.com"]),
)
payloads = st.dictionaries(
    st.sampled_from(["message", "session_id", "rating", "comment"]) | st.text(max_size=8),
    field_values,
    max_size=5,
)


def assert_handled(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert set(response.json()["error"]) == ERROR_KEYS


FUZZ = settings(max_examples=200, deadline=None)


@FUZZ
@given(body=json_values | payloads, path=st.sampled_from(["/api/chat", "/api/feedback"]))
def test_fuzzed_json_bodies_never_5xx(shared_bot, body, path):
    response = shared_bot.client.post(path, content=json.dumps(body).encode(), headers=JSON)
    assert_handled(response)


@FUZZ
@given(data=st.data(), path=st.sampled_from(["/api/chat", "/api/feedback"]))
def test_fuzzed_bodies_with_a_real_session_never_5xx(shared_bot, data, path):
    body = data.draw(payloads)
    if data.draw(st.booleans()):
        body["session_id"] = shared_bot.chat("hello")["session_id"]
    response = shared_bot.client.post(path, content=json.dumps(body).encode(), headers=JSON)
    assert_handled(response)


@FUZZ
@given(body=st.binary(max_size=300), path=st.sampled_from(["/api/chat", "/api/feedback"]))
def test_fuzzed_bytes_never_5xx(shared_bot, body, path):
    assert_handled(shared_bot.client.post(path, content=body, headers=JSON))
