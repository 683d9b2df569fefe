"""The chat engine's transport over Locust's FastHttpUser client.

Each chat request is sent inside ``catch_response`` and held open until the conversation player
has judged the reply (contract, scripted expectations, the policy's detectors): only then is it
reported to Locust, as a success or as a failure of a named kind, under the name of the intent
that answered (``chat:appeals``), so a regression in one intent is not averaged away. The
response time Locust records is the request's own, measured when the answer arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent
from locust.contrib.fasthttp import FastHttpSession

from releasegate.chat.conversation import Expect
from releasegate.chat.detectors import Judgement
from releasegate.chat.engine import ChatFailure, ChatRequest, ChatResponse, excerpt
from releasegate.chat.player import TurnResult

UNANSWERED = "chat:unanswered"


def turn_failure(result: TurnResult) -> str | None:
    """Why a judged turn fails under load, as ``kind: detail``; None when it holds."""
    if result.failure is not None:
        return result.failure
    if result.unmet:
        return f"expectation: turn {result.index} {result.unmet[0]}"
    broken = [
        (rule, judgement)
        for rule, judgement in result.judgements.items()
        if isinstance(judgement, Judgement) and judgement.violated
    ]
    if broken:
        rule, judgement = broken[0]
        return f"policy_{rule}: turn {result.index} {judgement.findings[0].message}"
    return None


class LocustTransport:
    """One conversation's requests, through the user's client, with think times between turns."""

    def __init__(self, client: FastHttpSession, think: Callable[[], float],
                 expects: list[Expect]) -> None:  # fmt: skip
        self.client = client
        self.think = think
        self.expects = expects  # the script's turns, for the name of a turn nobody answered
        self.pending: Any = None  # the ResponseContextManager held open
        self.sent = 0

    def send(self, request: ChatRequest, timeout_s: float) -> ChatResponse:
        if self.sent:
            gevent.sleep(self.think())
        self.sent += 1
        context: Any = self.client.request(
            request.method, request.path, json=request.body, headers=dict(request.headers),
            catch_response=True, name=UNANSWERED,
        )  # fmt: skip
        response: Any = context.__enter__()
        self.pending = response
        status = response.status_code or 0
        if status == 0:
            error = excerpt(str(getattr(response, "error", "no answer")), 120)
            self.settle_as(UNANSWERED, f"no_answer: {request.method} {request.path}: {error}")
            raise ChatFailure(f"{request.method} {request.path}: no answer ({error})")
        text = response.text or ""
        elapsed = float(response.request_meta["response_time"]) / 1000
        return ChatResponse(status, text, elapsed)

    def settle_as(self, name: str, failure: str | None) -> None:
        """Report the held request to Locust under ``name``, failed when ``failure`` is set."""
        response, self.pending = self.pending, None
        if response is None:
            return
        response.request_meta["name"] = name
        if failure is None:
            response.success()
        else:
            response.failure(failure)
        response.__exit__(None, None, None)

    def on_turn(self, result: TurnResult) -> None:
        """The player judged a turn: report its request."""
        intent = result.turn.intent if result.turn else None
        if intent is None and result.index <= len(self.expects):
            declared = self.expects[result.index - 1].intent
            intent = declared if isinstance(declared, str) else next(iter(declared or []), None)
        name = f"chat:{intent}" if intent else UNANSWERED
        failure = turn_failure(result)
        if result.turn is None and self.pending is not None:  # an error status: say which
            failure = f"http_{self.pending.status_code}: {failure}"
        self.settle_as(name, failure)
