"""Play a conversation with any chatbot through its contract (``[target.chat]``).

The engine builds each request from the contract's template and the conversation's state (its
id, the history the client holds) and reads each reply back (the text, its parts, the
conversation id, intent and handoff). It sends nothing itself: a transport does (requests in
the suites, Locust under load), so one conversation player runs in both.

Two kinds of failure are kept apart. A reply that does not match the contract (not JSON, the
reply path missing, a list where an object was configured) means the harness cannot test this
bot: ``ContractError``, a usage error (exit 2). An answer that is an error status, or none at
all, is the bot failing: ``ChatFailure``, a failed test.
"""

from __future__ import annotations

import json
import string
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from releasegate.chat.contract import ChatContract
from releasegate.chat.jsonpath import MISSING, compile_path, lookup
from releasegate.errors import UserError

EXCERPT = 200


class ContractError(UserError):
    """The target's answer does not match the configured contract: it cannot be tested."""


class ChatFailure(AssertionError):
    """The target answered a chat turn with an error, or not at all: a failed check."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # None: no answer at all


@dataclass(frozen=True)
class ChatRequest:
    method: str
    path: str
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatResponse:
    status: int
    text: str
    elapsed_s: float


class Transport(Protocol):
    """Sends one request to the target; raises ``ChatFailure`` when nothing answers."""

    def send(self, request: ChatRequest, timeout_s: float) -> ChatResponse: ...


@dataclass(frozen=True)
class ChatTurn:
    message: str
    reply: str  # the parts joined with the contract's reply_join
    parts: list[str]
    conversation_id: str | None
    intent: str | None
    handoff: bool | None
    outcome: str | None
    status: int
    latency_s: float
    body: Any


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """One line, shortened in the middle so both ends stay readable."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    half = (limit - len(" [...] ")) // 2
    return f"{text[:half]} [...] {text[-half:]}"


def _fill(template: Any, values: Mapping[str, Any]) -> Any:
    """The template with placeholders filled; a string that is exactly one placeholder takes
    the value as JSON (the history list), and a key whose value is an absent conversation id
    is left out."""
    if isinstance(template, str):
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        if len(fields) == 1 and template == "{" + fields[0] + "}":
            return values[fields[0]]
        return template.format_map({k: "" if v is None else v for k, v in values.items()})
    if isinstance(template, Mapping):
        return {
            key: _fill(value, values)
            for key, value in template.items()
            if not (value == "{conversation_id}" and values["conversation_id"] is None)
        }
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    return template


class Conversation:
    """One conversation with the target, as its contract says to hold it."""

    def __init__(
        self,
        contract: ChatContract,
        transport: Transport,
        headers: Mapping[str, str] | None = None,
        model: str | None = None,
    ) -> None:
        self.contract = contract
        self.transport = transport
        self.headers = dict(headers or {})
        self.model = model or contract.model
        self.conversation_id = uuid.uuid4().hex if contract.conversation_id == "client" else None
        self.history: list[dict[str, str]] = []
        if contract.system_prompt:
            self.history.append({"role": contract.roles.system, "content": contract.system_prompt})
        self.turns: list[ChatTurn] = []

    def request(self, message: str) -> ChatRequest:
        """The request for the next turn (the history already holds the message)."""
        history = [*self.history, {"role": self.contract.roles.user, "content": message}]
        values = {
            "message": message,
            "conversation_id": self.conversation_id,
            "history": history,
            "model": self.model,
        }
        return ChatRequest(
            "POST", self.contract.path, _fill(self.contract.body, values), self.headers
        )

    def send(self, message: str) -> ChatTurn:
        request = self.request(message)
        started = time.perf_counter()
        response = self.transport.send(request, self.contract.timeout_s)
        turn = self.read(message, response, time.perf_counter() - started)
        self.history += [
            {"role": self.contract.roles.user, "content": message},
            {"role": self.contract.roles.assistant, "content": turn.reply},
        ]
        if turn.conversation_id is not None:
            self.conversation_id = turn.conversation_id
        self.turns.append(turn)
        return turn

    def read(self, message: str, response: ChatResponse, latency_s: float) -> ChatTurn:
        """The turn in the reply, or why the reply cannot be read."""
        contract = self.contract
        where = f"POST {contract.path}"
        if not 200 <= response.status < 300:
            raise ChatFailure(
                f"{where} answered {response.status}: {excerpt(response.text)}", response.status
            )
        try:
            body = json.loads(response.text)
        except ValueError:
            raise ContractError(
                f"target.chat: {where} answered {response.status} with a body that is not JSON: "
                f"{excerpt(response.text) or '(empty)'}"
            ) from None
        if body == []:
            raise ChatFailure(
                f"{where} answered an empty list: the bot sent no message", response.status
            )
        parts = [m.value for m in compile_path(contract.reply).find(body)]
        if not parts:
            raise ContractError(
                f"target.chat.reply: {contract.reply} not found in {excerpt(response.text)}"
            )
        if not all(isinstance(p, str) for p in parts):
            kinds = sorted({type(p).__name__ for p in parts if not isinstance(p, str)})
            raise ContractError(
                f"target.chat.reply: {contract.reply} is {', '.join(kinds)}, not text, in "
                f"{excerpt(response.text)}"
            )
        conversation_id = self.conversation_id
        if contract.conversation_id == "server" and contract.conversation_id_path:
            found = lookup(body, contract.conversation_id_path)
            if not isinstance(found, str | int) or found == "":
                raise ContractError(
                    f"target.chat.conversation_id_path: {contract.conversation_id_path} not "
                    f"found in {excerpt(response.text)}"
                )
            conversation_id = str(found)
        intent = lookup(body, contract.intent) if contract.intent else MISSING
        handoff = lookup(body, contract.handoff) if contract.handoff else MISSING
        outcome = lookup(body, contract.outcome) if contract.outcome else MISSING
        return ChatTurn(
            message=message,
            reply=contract.reply_join.join(parts),
            parts=parts,
            conversation_id=conversation_id,
            intent=intent if isinstance(intent, str) else None,
            handoff=handoff if isinstance(handoff, bool) else None,
            outcome=None if outcome is MISSING or outcome is None else str(outcome),
            status=response.status,
            latency_s=latency_s,
            body=body,
        )


def first_model(contract: ChatContract, transport: Transport, headers: Mapping[str, str]) -> str:
    """The model to name when none is configured: the first the server lists."""
    path = contract.models_path or "/v1/models"
    response = transport.send(ChatRequest("GET", path, None, headers), contract.timeout_s)
    if not 200 <= response.status < 300:
        raise ChatFailure(
            f"GET {path} answered {response.status}: {excerpt(response.text)}", response.status
        )
    try:
        found = lookup(json.loads(response.text), contract.models_id)
    except ValueError:
        found = MISSING
    if not isinstance(found, str) or not found:
        raise ContractError(
            f"target.chat.model: not set, and {contract.models_id} is not a model name in "
            f"GET {path}: {excerpt(response.text)}"
        )
    return found
