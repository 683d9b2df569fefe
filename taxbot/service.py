"""The bot's use cases (a chat turn, feedback, lead lookup) wired to the store and metrics.

Kept apart from the HTTP layer so it stays synchronous and simple: the app runs it in the
thread pool, and ``dialogue`` stays free of I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from taxbot import dialogue, errors
from taxbot.faults import Faults
from taxbot.metrics import Metrics
from taxbot.store import FeedbackRecord, LeadRecord, Store


class StoreRecorder:
    """Stores a session's leads and handoffs, counts them, and returns their references."""

    def __init__(self, store: Store, metrics: Metrics, session_id: str) -> None:
        self._store = store
        self._metrics = metrics
        self._session_id = session_id

    def record_lead(self, fields: dict[str, str]) -> str:
        reference = self._store.add_lead(self._session_id, fields)
        self._metrics.leads_qualified.inc()
        return reference

    def record_handoff(self, reason: str) -> str:
        reference = self._store.add_handoff(self._session_id, reason)
        self._metrics.handoffs.inc()
        return reference


class UnsavedLeadRecorder(StoreRecorder):
    """The ``lead_unsaved`` fault: a lead is counted and given a reference, but its write is
    lost, so looking the reference up finds nothing."""

    def __init__(self, store: Store, metrics: Metrics, session_id: str, numbers: Iterator[int]):
        super().__init__(store, metrics, session_id)
        self._numbers = numbers

    def record_lead(self, fields: dict[str, str]) -> str:
        self._metrics.leads_qualified.inc()
        return f"PT-{next(self._numbers)}"


@dataclass(frozen=True)
class ChatTurn:
    session_id: str
    reply: dialogue.Reply

    def to_json(self) -> dict[str, Any]:
        lead = self.reply.lead
        return {
            "session_id": self.session_id,
            "reply": self.reply.text,
            "intent": self.reply.intent,
            "handoff": self.reply.handoff,
            "lead": {"stage": lead.stage, "missing": lead.missing, "reference": lead.reference},
        }


class TaxBotService:
    def __init__(self, store: Store, metrics: Metrics, faults: Faults) -> None:
        self._store = store
        self._metrics = metrics
        self._faults = faults
        self._unsaved_leads = itertools.count(100001)  # references like real ones, never stored

    def chat(self, session_id: str | None, message: str) -> ChatTurn:
        """Answer one message; no session_id starts a new session, an unknown one is a 404."""
        if session_id is None:
            session = self._store.create_session(dialogue.Lead().to_json())
        else:
            found = self._store.get_session(session_id)
            if found is None:
                raise errors.unknown_session()
            session = found
        recorder = (
            UnsavedLeadRecorder(self._store, self._metrics, session.id, self._unsaved_leads)
            if self._faults.lead_unsaved
            else StoreRecorder(self._store, self._metrics, session.id)
        )
        lead = dialogue.Lead.from_json(session.lead_state)
        reply = dialogue.respond(lead, message, session.turns, self._faults, recorder)
        self._store.save_session(session.id, reply.lead.to_json(), session.turns + 1)
        return ChatTurn(session.id, reply)

    def feedback(self, session_id: str, rating: int, comment: str | None) -> int:
        if self._store.get_session(session_id) is None:
            raise errors.unknown_session()
        feedback_id = self._store.add_feedback(session_id, rating, comment)
        self._metrics.feedback.labels(rating=str(rating)).inc()
        return feedback_id

    def lead(self, reference: str) -> LeadRecord | None:
        return self._store.get_lead(reference)

    def stored_feedback(self, feedback_id: int) -> FeedbackRecord | None:
        return self._store.get_feedback(feedback_id)
