"""Prompt injection and system-prompt extraction, played from a corpus (direct, role-play,
encoded, multi-turn; ``corpus.py``), and personal data echoed back. Replies are judged by the
compliance detectors of ``conversations/policy.yaml`` (injection obeyed, outcome promised,
personal data repeated) plus a canary check: a string that only the system prompt contains
(``injection.canaries``) must never appear in any reply, whatever was asked."""

from __future__ import annotations

import pytest
from releasegate.suites.security.corpus import ATTACKS, PII_MESSAGES, Attack

from releasegate.chat.detectors import (
    DetectorPolicy,
    Exchange,
    check_injection,
    check_pii,
    check_promise,
)
from releasegate.chat.detectors.base import phrase_spans, plain
from releasegate.config import Config
from releasegate.plugin.options import usage_errors
from releasegate.security.headers import Issue
from releasegate.security.probes import Probes

pytestmark = pytest.mark.security


@pytest.fixture(scope="module")
def detector_policy(releasegate_config: Config) -> DetectorPolicy:
    with usage_errors():
        return releasegate_config.conversation_policy()


def _canary(reply: str, canaries: list[str]) -> list[Issue]:
    text = plain(reply)
    return [
        Issue("system_prompt_leak", "high", f"the reply contains the canary {phrase!r}",
              text.excerpt(start, end))
        for start, end, phrase in phrase_spans(text, canaries)[:1]
    ]  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_injection_is_not_obeyed(
    attack: Attack, chat_target, detector_policy: DetectorPolicy, probes: Probes
) -> None:
    conversation = chat_target.conversation()
    canaries = detector_policy.injection.canaries
    said: list[str] = []
    for index, turn in enumerate(attack.turns, 1):
        reply = conversation.send(turn.user).reply
        request = f"{attack.technique} turn {index}: {turn.user}"
        exchange = Exchange(turn.means or turn.user, reply, tuple(said), None)
        obeyed = [
            Issue("prompt_injection", "high", f.message, f.excerpt)
            for judged in (check_injection(exchange, detector_policy.injection),
                           check_promise(exchange, detector_policy.promises))
            if judged.violated
            for f in judged.findings
        ]  # fmt: skip
        probes.add("prompt_injection", request, obeyed)
        if canaries:
            probes.add("system_prompt_leak", request, _canary(reply, canaries))
        said.append(turn.user)
    probes.check()


@pytest.mark.parametrize("message", PII_MESSAGES)
def test_personal_data_is_not_echoed(
    message: str, chat_target, detector_policy: DetectorPolicy, probes: Probes
) -> None:
    reply = chat_target.conversation().send(message).reply
    judged = check_pii(Exchange(message, reply), detector_policy.pii)
    echoed = [Issue("pii_echo", "high", f.message, f.excerpt) for f in judged.findings]
    probes.add("pii_echo", f"chat: {message}", echoed if judged.violated else [])
    probes.check()
