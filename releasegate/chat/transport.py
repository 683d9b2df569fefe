"""The chat engine over ``requests`` (the suites' transport), and how a configured target
becomes a ready-to-use chat: its session, resolved headers and model."""

from __future__ import annotations

from dataclasses import dataclass

from releasegate.chat.contract import resolve_headers
from releasegate.chat.engine import (
    ChatFailure,
    ChatRequest,
    ChatResponse,
    Conversation,
    first_model,
)
from releasegate.config import TargetConfig
from releasegate.errors import ConfigError
from releasegate.http import TargetSession, TargetUnreachable


class RequestsTransport:
    def __init__(self, session: TargetSession) -> None:
        self.session = session

    def send(self, request: ChatRequest, timeout_s: float) -> ChatResponse:
        try:
            response = self.session.request(
                request.method,
                request.path,
                json=request.body,
                headers=dict(request.headers),
                timeout=timeout_s,
            )
        except TargetUnreachable as exc:
            raise ChatFailure(str(exc)) from None
        return ChatResponse(response.status_code, response.text, response.elapsed.total_seconds())


def open_session(
    target: TargetConfig, base_url: str, auth: tuple[str, str] | None, source: str
) -> TargetSession:
    """A session for every request to the target, with ``[target] headers`` resolved."""
    try:
        headers = resolve_headers(target.headers, "target.headers")
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return TargetSession(
        base_url, target.chat.timeout_s, headers, auth, retries=target.chat.retries
    )


@dataclass
class ChatTarget:
    """What every conversation with this target shares."""

    target: TargetConfig
    transport: RequestsTransport
    headers: dict[str, str]
    model: str | None

    def conversation(self) -> Conversation:
        return Conversation(self.target.chat, self.transport, self.headers, self.model)


def refused(exc: ChatFailure, source: str) -> None:
    """401 and 403 mean the harness was not let in: it cannot test, the bot did not fail."""
    if exc.status in (401, 403):
        raise ConfigError(
            f"{source}: the target refused the credentials: {exc} (check the headers in "
            "[target] and [target.chat] and the environment variables they read)"
        ) from None


def chat_target(target: TargetConfig, session: TargetSession, source: str) -> ChatTarget:
    """Resolve the chat headers and, when the contract names a model it was not given, ask the
    server for one. ConfigError or ContractError when that cannot be done."""
    contract = target.chat
    try:
        headers = resolve_headers(contract.headers, "target.chat.headers")
    except ValueError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    transport = RequestsTransport(session)
    model = contract.model
    if model is None and "{model}" in str(contract.body):
        try:
            model = first_model(contract, transport, headers)
        except ChatFailure as exc:
            refused(exc, source)
            raise ConfigError(f"{source}: target.chat.model: not set, and {exc}") from None
    return ChatTarget(target, transport, headers, model)
