"""The simulated user: plays conversations from ``conversations/`` (weighted by tag) through
the same contract engine and player the compliance suite uses, and between them opens the page,
checks health and leaves feedback, with think times from ``[load] think_time_s``."""

from __future__ import annotations

import logging
from typing import Any

from locust import task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from releasegate.chat.engine import ContractError, Conversation, excerpt
from releasegate.chat.player import play
from releasegate.load.safety import LoadRefused
from releasegate.load.session import Session
from releasegate.load.transport import LocustTransport


def _session(user: Any) -> Session:
    from releasegate.load.plugin import session_of

    session = session_of(user.environment)
    if session is None:
        raise StopUser()
    return session


class ChatUser(FastHttpUser):
    """A person chatting with the bot: conversations, page views, health checks, feedback."""

    abstract = False
    host = ""
    last_conversation: str | None = None

    def wait_time(self) -> float:
        return _session(self).think()

    def on_start(self) -> None:
        session = _session(self)
        try:
            session.check_host(self.host or self.environment.host or "")
        except LoadRefused as exc:  # a host typed into the web UI's form
            logging.getLogger(__name__).error("releasegate: %s", exc)
            raise StopUser() from None

    @task
    def conversation(self) -> None:
        session = _session(self)
        case = session.pick_case()
        target = session.config.target
        transport = LocustTransport(
            self.client, session.think, [t.expect for t in case.script.turns]
        )
        chat = Conversation(target.chat, transport, session.headers)
        try:
            play(case, chat, session.judge, on_turn=transport.on_turn)
        except ContractError as exc:  # the reply broke the contract: a failure under load
            transport.settle_as("chat:contract", f"contract: {excerpt(str(exc), 160)}")
        self.last_conversation = chat.conversation_id

    @task
    def page(self) -> None:
        target = _session(self).config.target
        self._get(target.page_path, "page")

    @task
    def health(self) -> None:
        target = _session(self).config.target
        self._get(target.health_path, "health")

    @task
    def feedback(self) -> None:
        session = _session(self)
        contract = session.config.target.feedback
        if self.last_conversation is None:
            return  # nothing to rate yet
        body = {contract.session_field: self.last_conversation,
                contract.rating_field: contract.rating}  # fmt: skip
        with self.client.post(contract.path, json=body, name="feedback",
                              catch_response=True) as response:  # fmt: skip
            self._judge_status(response, "POST", contract.path)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            self._judge_status(response, "GET", path)

    @staticmethod
    def _judge_status(response: Any, method: str, path: str) -> None:
        status = response.status_code or 0
        if 200 <= status < 300:
            response.success()
        elif status == 0:
            response.failure(f"no_answer: {method} {path}: {response.error}")
        else:
            response.failure(f"http_{status}: {method} {path} answered {status}")


def weighted_tasks(session: Session) -> list[Any]:
    """The user's tasks by ``[load] mix`` weights, for the capabilities the target has."""
    target = session.config.target
    mix = session.settings.mix
    chosen: list[Any] = [ChatUser.conversation] * mix.conversation
    if target.has("page"):
        chosen += [ChatUser.page] * mix.page
    if target.has("health"):
        chosen += [ChatUser.health] * mix.health
    if target.has("feedback"):
        chosen += [ChatUser.feedback] * mix.feedback
    return chosen
