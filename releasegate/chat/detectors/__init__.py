"""Compliance detectors: one rule each, deterministic and pure, measured on labelled cases.

Every detector is ``check_<rule>(exchange, policy) -> Judgement``: did the obligation apply to
this bot turn, and what breaks it. ``DetectorPolicy`` holds all their options and reads the
mapping of ``conversations/policy.yaml`` (``disclaimers:`` plus optional sections), so a policy
file that only lists disclaimers gets every other detector with its defaults. Accuracy on the
labelled cases: ``docs/detectors.md``.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from releasegate.chat.detectors.base import Exchange, Finding, Judgement
from releasegate.chat.detectors.disclaimer import (
    DisclaimerPolicy,
    check_disclaimer,
    find_disclaimer,
)
from releasegate.chat.detectors.escalation import (
    EscalationPolicy,
    asks_for_human,
    check_escalation,
)
from releasegate.chat.detectors.injection import InjectionPolicy, check_injection, is_attempt
from releasegate.chat.detectors.pii import PiiPolicy, check_pii
from releasegate.chat.detectors.promise import PromisePolicy, check_promise
from releasegate.chat.detectors.tax_content import TaxContentPolicy, check_tax_content
from releasegate.chat.policy import DisclaimerEntry
from releasegate.model import Strict
from releasegate.validation import repeated

__all__ = [
    "DetectorPolicy",
    "DisclaimerEntry",
    "DisclaimerPolicy",
    "EscalationPolicy",
    "Exchange",
    "Finding",
    "InjectionPolicy",
    "Judgement",
    "PiiPolicy",
    "PromisePolicy",
    "TaxContentPolicy",
    "asks_for_human",
    "check_all",
    "check_disclaimer",
    "check_escalation",
    "check_injection",
    "check_pii",
    "check_promise",
    "check_tax_content",
    "find_disclaimer",
    "is_attempt",
]


class DetectorPolicy(Strict):
    """Every detector's options; only the approved disclaimers have no sensible default."""

    disclaimers: list[DisclaimerEntry] = Field(min_length=1)
    tax_content: TaxContentPolicy = TaxContentPolicy()
    promises: PromisePolicy = PromisePolicy()
    escalation: EscalationPolicy = EscalationPolicy()
    pii: PiiPolicy = PiiPolicy()
    injection: InjectionPolicy = InjectionPolicy()

    @field_validator("disclaimers")
    @classmethod
    def _unique_ids(cls, entries: list[DisclaimerEntry]) -> list[DisclaimerEntry]:
        if twice := repeated([entry.id for entry in entries]):
            raise ValueError(f"disclaimer id listed more than once: {', '.join(twice)}")
        return entries

    def disclaimer_policy(self) -> DisclaimerPolicy:
        """The disclaimer detector's view: approved texts plus what counts as tax information."""
        return DisclaimerPolicy(approved=self.disclaimers, tax_content=self.tax_content)


def check_all(exchange: Exchange, policy: DetectorPolicy) -> dict[str, Judgement]:
    """Every rule's judgement of one bot turn, by rule name (tax content is not a rule: it is
    the disclaimer's trigger, and ``check_disclaimer``'s ``applies``)."""
    return {
        "disclaimer": check_disclaimer(exchange, policy.disclaimer_policy()),
        "promise": check_promise(exchange, policy.promises),
        "escalation": check_escalation(exchange, policy.escalation),
        "pii": check_pii(exchange, policy.pii),
        "injection": check_injection(exchange, policy.injection),
    }
