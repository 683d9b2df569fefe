"""The chat contract engine: templates, presets, conversation ids, history, list replies, and
the line between "cannot test" (ContractError) and "the bot failed" (ChatFailure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from releasegate.chat.contract import ChatContract, resolve_headers
from releasegate.chat.engine import (
    ChatFailure,
    ChatRequest,
    ChatResponse,
    ContractError,
    Conversation,
    excerpt,
    first_model,
)
from releasegate.config import load_config
from releasegate.errors import ConfigError
from releasegate.redaction import MASK, redact, split_userinfo


class Scripted:
    """A transport that answers from a script and keeps every request (no network: these are
    tests of the engine; the fakes in tests/fakes cover real HTTP)."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.sent: list[ChatRequest] = []

    def send(self, request: ChatRequest, timeout_s: float) -> ChatResponse:
        self.sent.append(request)
        status, body = self.answers.pop(0)
        text = body if isinstance(body, str) else json.dumps(body)
        return ChatResponse(status, text, 0.01)


def contract(**fields: Any) -> ChatContract:
    return ChatContract.model_validate(fields)


def test_taxbot_preset_sends_no_id_first_then_the_servers():
    transport = Scripted(
        (200, {"reply": "Due in April.", "session_id": "s-1", "intent": "payment"}),
        (200, {"reply": "Anything else?", "session_id": "s-1", "handoff": False}),
    )
    chat = Conversation(contract(preset="taxbot"), transport)
    first = chat.send("When is it due?")
    second = chat.send("Thanks")
    assert [r.body for r in transport.sent] == [
        {"message": "When is it due?"},
        {"message": "Thanks", "session_id": "s-1"},
    ]
    assert (first.reply, first.conversation_id, first.intent) == ("Due in April.", "s-1", "payment")
    assert second.handoff is False


def test_rasa_preset_joins_every_message_and_keeps_the_parts():
    transport = Scripted((200, [{"recipient_id": "x", "text": "Answer."}, {"text": "Disclaimer."}]))
    chat = Conversation(contract(preset="rasa"), transport)
    turn = chat.send("hi")
    sender = transport.sent[0].body["sender"]
    assert len(sender) == 32  # a fresh uuid, made by the client
    assert transport.sent[0].body == {"sender": sender, "message": "hi"}
    assert turn.parts == ["Answer.", "Disclaimer."]
    assert turn.reply == "Answer.\n\nDisclaimer."
    assert Conversation(contract(preset="rasa"), transport).conversation_id != sender


def test_openai_preset_sends_the_whole_history_each_turn():
    def answer(text: str) -> tuple[int, Any]:
        return 200, {"choices": [{"message": {"role": "assistant", "content": text}}]}

    transport = Scripted(answer("Hello Dana."), answer("Dana, appeals are filed in May."))
    chat = Conversation(
        contract(preset="openai", system_prompt="Be brief."), transport, model="m-1"
    )
    chat.send("My name is Dana")
    chat.send("How do I appeal?")
    assert transport.sent[1].body == {
        "model": "m-1",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "My name is Dana"},
            {"role": "assistant", "content": "Hello Dana."},
            {"role": "user", "content": "How do I appeal?"},
        ],
    }


def test_a_model_is_asked_from_the_server_when_none_is_configured():
    transport = Scripted((200, {"data": [{"id": "fake-tax-1"}, {"id": "other"}]}))
    assert first_model(contract(preset="openai"), transport, {}) == "fake-tax-1"
    assert transport.sent[0].method == "GET"
    assert transport.sent[0].path == "/v1/models"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ((200, "<html>oops</html>"), "target.chat: POST /api/chat answered 200 with a body that"),
        ((200, {"text": "hi"}), "target.chat.reply: $.reply not found in {"),
        ((200, [{"reply": "x"}]), "target.chat.reply: $.reply not found in [{"),
        ((200, {"reply": 42, "session_id": "s"}), "target.chat.reply: $.reply is int, not text"),
        ((200, {"reply": "x"}), "target.chat.conversation_id_path: $.session_id not found in"),
    ],
)
def test_replies_that_break_the_contract_are_contract_errors(answer, expected):
    chat = Conversation(contract(preset="taxbot"), Scripted(answer))
    with pytest.raises(ContractError) as info:
        chat.send("hi")
    assert str(info.value).startswith(expected)


@pytest.mark.parametrize(
    ("answer", "status"),
    [((503, {"error": "down"}), 503), ((500, "boom"), 500), ((200, []), 200)],
)
def test_error_answers_are_failures_of_the_bot(answer, status):
    chat = Conversation(contract(preset="rasa"), Scripted(answer))
    with pytest.raises(ChatFailure) as info:
        chat.send("hi")
    assert info.value.status == status


def test_a_custom_template_fills_nested_placeholders():
    custom = contract(
        path="/v2/converse",
        body={"input": {"text": "{message}"}, "thread": "{conversation_id}", "tags": ["web"]},
        conversation_id="client",
        reply="$.output.messages[*].content",
    )
    transport = Scripted((200, {"output": {"messages": [{"content": "a"}, {"content": "b"}]}}))
    chat = Conversation(custom, transport)
    turn = chat.send("Is {this} literal?")
    assert transport.sent[0].body == {
        "input": {"text": "Is {this} literal?"},
        "thread": chat.conversation_id,
        "tags": ["web"],
    }
    assert turn.parts == ["a", "b"]


def test_excerpt_keeps_both_ends():
    text = "start " + "x" * 500 + " the disclaimer at the end"
    shown = excerpt(text, 60)
    assert shown.startswith("start xxx")
    assert shown.endswith("the disclaimer at the end")
    assert " [...] " in shown
    assert len(shown) <= 60


def test_headers_read_the_environment_and_become_secrets():
    headers = resolve_headers(
        {"Authorization": "Bearer ${API_TOKEN_X}"},
        "target.chat.headers",
        {"API_TOKEN_X": "tk-123456"},
    )
    assert headers == {"Authorization": "Bearer tk-123456"}
    assert redact("sent Bearer tk-123456 and tk-123456") == f"sent {MASK} and {MASK}"
    with pytest.raises(ValueError, match="Authorization: environment variable API_TOKEN_X"):
        resolve_headers({"Authorization": "Bearer ${API_TOKEN_X}"}, "target.chat.headers", {})


def test_url_userinfo_is_split_off_and_masked():
    clean, auth = split_userinfo("https://deploy:k3y-secret-9@bot.example.com:8443/x")
    assert clean == "https://bot.example.com:8443/x"
    assert auth == ("deploy", "k3y-secret-9")
    assert redact("k3y-secret-9 deploy:k3y-secret-9") == f"{MASK} {MASK}"


def write_config(tmp_path: Path, project_root: Path, chat: str) -> Path:
    text = (project_root / "releasegate.toml").read_text()
    start = text.index("[target.chat]")
    end = text.index("[target.feedback]")
    path = tmp_path / "releasegate.toml"
    path.write_text(text[:start] + "[target.chat]\n" + chat + "\n\n" + text[end:])
    return path


@pytest.mark.parametrize(
    ("chat", "expected"),
    [
        ('preset = "rasaa"', "target.chat: preset: unknown preset 'rasaa' (did you mean 'rasa'?)"),
        (
            'body = {text = "{mesage}"}',
            "target.chat: body.text: unknown placeholder {mesage} (known: {message}, ",
        ),
        ('reply = "$.[reply"', "target.chat.reply: invalid JSONPath '$.[reply'"),
        (
            'preset = "rasa"\nconversation_id = "server"',
            "target.chat: conversation_id_path: required when the server makes",
        ),
        (
            'preset = "openai"\nhistory = false',
            "target.chat: body: {history} is only sent with history = true",
        ),
        ('headers = {X = "${unclosed"}', "target.chat.headers: X: write environment variables"),
        ('message_field = "text"', "target.chat: 'message_field' is replaced by 'body'"),
    ],
)
def test_a_bad_contract_is_one_config_line(tmp_path, project_root, chat, expected):
    path = write_config(tmp_path, project_root, chat)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_every_preset_is_a_valid_contract_on_its_own():
    for name in ("taxbot", "rasa", "openai"):
        assert contract(preset=name).preset == name
