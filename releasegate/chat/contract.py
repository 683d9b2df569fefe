"""``[target.chat]``: how to talk to any chatbot's HTTP API, as configuration.

A contract is a request body template (any JSON, with placeholders), who makes the conversation
id (the client, the server, or nobody), whether the client holds the history (the whole message
list each turn), where the reply text is (a JSONPath; several matches are parts of one reply),
and headers whose values may come from the environment. Three presets cover the common styles;
any field overrides the preset's.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from releasegate.chat.jsonpath import compile_path
from releasegate.model import Strict
from releasegate.validation import unknown_name

PLACEHOLDERS = ("message", "conversation_id", "history", "model")
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

PRESETS: dict[str, dict[str, Any]] = {
    # taxbot-style: the server makes a session id and keeps the conversation.
    "taxbot": {
        "path": "/api/chat",
        "body": {"message": "{message}", "session_id": "{conversation_id}"},
        "conversation_id": "server",
        "conversation_id_path": "$.session_id",
        "reply": "$.reply",
        "intent": "$.intent",
        "handoff": "$.handoff",
        "outcome": "$.lead.stage",
    },
    # Rasa's REST channel: the client names the conversation ("sender"); the answer is a list of
    # messages, each a part of the reply.
    "rasa": {
        "path": "/webhooks/rest/webhook",
        "body": {"sender": "{conversation_id}", "message": "{message}"},
        "conversation_id": "client",
        "reply": "$[*].text",
    },
    # OpenAI-compatible chat completions: stateless, the client sends the whole history.
    "openai": {
        "path": "/v1/chat/completions",
        "body": {"model": "{model}", "messages": "{history}"},
        "conversation_id": "none",
        "history": True,
        "reply": "$.choices[0].message.content",
        "headers": {"Authorization": "Bearer ${OPENAI_API_KEY}"},
        "models_path": "/v1/models",
    },
}


def _url_path(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"must start with '/' (got {path!r})")
    return path


def _jsonpath(expression: str) -> str:
    compile_path(expression)
    return expression


UrlPath = Annotated[str, AfterValidator(_url_path)]
JsonPath = Annotated[str, AfterValidator(_jsonpath)]


def placeholders(template: Any, where: str = "body") -> Iterator[tuple[str, str]]:
    """Every ``(key path, placeholder name)`` in a JSON template; ValueError on bad syntax."""
    if isinstance(template, str):
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ValueError(f"{where}: bad placeholder syntax in {template!r}: {exc}") from None
        for _, name, _, _ in parsed:
            if name is not None:
                yield where, name
    elif isinstance(template, Mapping):
        for key, value in template.items():
            yield from placeholders(value, f"{where}.{key}")
    elif isinstance(template, list):
        for i, value in enumerate(template):
            yield from placeholders(value, f"{where}[{i}]")


def check_env_references(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if "${" in ENV_REFERENCE.sub("", value):
            raise ValueError(f"{name}: write environment variables as ${{NAME}} in {value!r}")
    return headers


def unset_variable(value: str, environ: Mapping[str, str]) -> str | None:
    """The first variable ``value`` reads as ``${NAME}`` that is unset or empty, if any."""
    return next((v for v in ENV_REFERENCE.findall(value) if not environ.get(v)), None)


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    """``value`` with each ``${NAME}`` read from ``environ`` (check :func:`unset_variable`
    first)."""
    return ENV_REFERENCE.sub(lambda m: environ[m.group(1)], value)


def resolve_headers(
    headers: Mapping[str, str], key: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Header values with ``${NAME}`` read from the environment; every value read that way is a
    secret. ValueError names the header and a variable that is not set."""
    from releasegate.redaction import add_secret

    environ = os.environ if environ is None else environ
    resolved = {}
    for name, value in headers.items():
        if variable := unset_variable(value, environ):
            raise ValueError(
                f"{key}.{name}: environment variable {variable} is not set (it is read by "
                f"{value!r})"
            )
        for variable in ENV_REFERENCE.findall(value):
            add_secret(environ[variable])
        resolved[name] = expand_env(value, environ)
        if resolved[name] != value:
            add_secret(resolved[name])
    return resolved


class Roles(Strict):
    """Role names in a client-held history (OpenAI's by default)."""

    user: str = "user"
    assistant: str = "assistant"
    system: str = "system"


class ChatContract(Strict):
    preset: Literal["taxbot", "rasa", "openai"] = "taxbot"
    path: UrlPath = "/api/chat"
    body: dict[str, Any] = Field(min_length=1)
    conversation_id: Literal["server", "client", "none"]
    conversation_id_path: JsonPath | None = None
    history: bool = False
    roles: Roles = Roles()
    system_prompt: str | None = None
    reply: JsonPath
    reply_join: str = "\n\n"
    intent: JsonPath | None = None
    handoff: JsonPath | None = None
    outcome: JsonPath | None = None  # e.g. the lead's stage: what a conversation achieved
    headers: dict[str, str] = {}
    model: str | None = None
    models_path: UrlPath | None = None
    models_id: JsonPath = "$.data[0].id"
    timeout_s: float = Field(10.0, gt=0, le=600)
    retries: int = Field(2, ge=0, le=10)
    smoke_message: str = Field("When is my property tax due?", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: object) -> object:
        """The preset's fields first, then whatever the config sets itself."""
        if not isinstance(data, dict):
            return data
        for old, new in (
            ("message_field", "body"),
            ("session_field", "body"),
            ("session", "conversation_id_path"),
        ):
            if old in data:
                raise ValueError(
                    f"'{old}' is replaced by '{new}' (a request template; see docs/policy.md, "
                    'or set preset = "taxbot")'
                )
        name = data.get("preset", "taxbot")
        if name not in PRESETS:
            raise ValueError(f"preset: {unknown_name('preset', str(name), list(PRESETS))}")
        return {**PRESETS[name], **data}

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        return check_env_references(headers)

    @model_validator(mode="after")
    def _consistent(self) -> ChatContract:
        names = set()
        for where, name in placeholders(self.body):
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                raise ValueError(f"{where}: unknown placeholder {{{name}}} (known: {known})")
            names.add(name)
        if "message" not in names and "history" not in names:
            raise ValueError("body: the template must contain {message} or {history}")
        if self.history and "history" not in names:
            raise ValueError("body: history = true needs {history} in the template")
        if "history" in names and not self.history:
            raise ValueError("body: {history} is only sent with history = true")
        if self.conversation_id == "server" and self.conversation_id_path is None:
            raise ValueError(
                "conversation_id_path: required when the server makes the conversation id "
                "(a JSONPath into the reply, e.g. '$.session_id')"
            )
        if "model" in names and self.model is None and self.models_path is None:
            raise ValueError("model: {model} is in the body, but no model or models_path is set")
        return self
