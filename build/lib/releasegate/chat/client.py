"""A chat client driven by the target's contract (paths and field names come from the config)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.config import ChatContract, FeedbackContract


class ChatError(AssertionError):
    """The target did not answer a chat turn as its contract says; a test failure, not a crash."""


@dataclass(frozen=True)
class ChatTurn:
    message: str
    reply: str
    session_id: str
    intent: str | None
    handoff: bool | None
    status: int
    latency_s: float
    body: dict[str, Any]


def _snippet(response: httpx.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ChatClient:
    """One conversation: keeps the session id the target hands out between turns."""

    def __init__(self, http: httpx.Client, contract: ChatContract) -> None:
        self.http = http
        self.contract = contract
        self.session_id: str | None = None
        self.turns: list[ChatTurn] = []

    def send(self, message: str) -> ChatTurn:
        contract = self.contract
        payload: dict[str, Any] = {contract.message_field: message}
        if self.session_id is not None:
            payload[contract.session_field] = self.session_id
        started = time.perf_counter()
        try:
            response = self.http.post(contract.path, json=payload, timeout=contract.timeout_s)
        except httpx.HTTPError as exc:
            raise ChatError(f"POST {contract.path} failed: {type(exc).__name__}: {exc}") from None
        latency = time.perf_counter() - started
        if response.status_code != 200:
            raise ChatError(
                f"POST {contract.path} answered {response.status_code}: {_snippet(response)}"
            )
        try:
            body = response.json()
        except ValueError:
            raise ChatError(
                f"POST {contract.path} answered non-JSON: {_snippet(response)}"
            ) from None
        reply = lookup(body, contract.reply)
        session = lookup(body, contract.session)
        if not isinstance(reply, str):
            raise ChatError(f"reply has no text at {contract.reply}: {_snippet(response)}")
        if not isinstance(session, str) or not session:
            raise ChatError(f"reply has no session id at {contract.session}: {_snippet(response)}")
        intent = lookup(body, contract.intent) if contract.intent else MISSING
        handoff = lookup(body, contract.handoff) if contract.handoff else MISSING
        turn = ChatTurn(
            message=message,
            reply=reply,
            session_id=session,
            intent=intent if isinstance(intent, str) else None,
            handoff=handoff if isinstance(handoff, bool) else None,
            status=response.status_code,
            latency_s=latency,
            body=body,
        )
        self.session_id = session
        self.turns.append(turn)
        return turn

    def rate(self, feedback: FeedbackContract, rating: int | None = None) -> httpx.Response:
        """Post a rating for this conversation (needs at least one turn for the session id)."""
        if self.session_id is None:
            raise ChatError("cannot rate a conversation before its first turn")
        payload = {
            feedback.session_field: self.session_id,
            feedback.rating_field: feedback.rating if rating is None else rating,
        }
        try:
            return self.http.post(feedback.path, json=payload, timeout=self.contract.timeout_s)
        except httpx.HTTPError as exc:
            raise ChatError(f"POST {feedback.path} failed: {type(exc).__name__}: {exc}") from None
