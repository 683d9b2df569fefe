"""Judge bot turns with the conversation policy's detectors, and turn a played case into
``compliance`` evidence records. Shared by the compliance suite, the fuzzer and (later) load."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from releasegate.chat.conversation import Expect
from releasegate.chat.detectors import (
    DetectorPolicy,
    Exchange,
    Finding,
    Judgement,
    check_all,
    find_disclaimer,
)
from releasegate.chat.engine import ChatTurn, excerpt
from releasegate.chat.player import CaseResult
from releasegate.evidence.kinds.compliance import (
    ComplianceRecord,
    ConversationRecord,
    Obligation,
    TurnRecord,
)

Judge = Callable[[str, ChatTurn, tuple[str, ...], Expect], Mapping[str, Judgement]]
EXCERPT = 240


def judge_with(policy: DetectorPolicy) -> Judge:
    """A judge of one bot turn by every rule. A turn the script marks as tax information needs
    the disclaimer even where the tax-content detector would not have said so."""
    approved = [d.text for d in policy.disclaimers]

    def judge(
        message: str, turn: ChatTurn, said: tuple[str, ...], expect: Expect
    ) -> Mapping[str, Judgement]:
        exchange = Exchange(message, turn.reply, said, turn.handoff)
        judged = check_all(exchange, policy)
        if "tax_info" in expect.topics and not judged["disclaimer"].applies:
            found = find_disclaimer(turn.reply, approved)
            missing = Finding(
                "disclaimer",
                "the script marks this reply as tax information, and it carries no approved "
                "disclaimer",
                excerpt(turn.reply, 120),
            )
            judged = {**judged, "disclaimer": Judgement(True, () if found else (missing,))}
        return judged

    return judge


def violations(judged: Mapping[str, Judgement]) -> list[str]:
    """Each broken rule of a turn, in words, with the reply around the finding."""
    return [
        f"[{rule}] {finding.message}: {finding.excerpt}"
        for rule, judgement in judged.items()
        if judgement.violated
        for finding in judgement.findings
    ]


def _obligations(judged: Mapping[str, Judgement]) -> list[Obligation]:
    return [
        Obligation.model_validate(
            {
                "rule": rule,
                "applies": judgement.applies,
                "violated": judgement.violated,
                "message": "; ".join(f.message for f in judgement.findings),
                "excerpt": judgement.findings[0].excerpt if judgement.findings else "",
            }
        )
        for rule, judgement in judged.items()
    ]


def records(result: CaseResult) -> list[ComplianceRecord]:
    """Every judged turn of a played case, then the conversation itself."""
    conversation = result.case.conversation
    found = []
    for turn in result.turns:
        found.append(
            ComplianceRecord(
                turn=TurnRecord(
                    conversation=conversation.id,
                    case=result.case.id,
                    turn=turn.index,
                    severity=conversation.severity,
                    intent=turn.turn.intent if turn.turn else None,
                    user=excerpt(turn.message, EXCERPT),
                    reply=excerpt(turn.turn.reply, EXCERPT) if turn.turn else "",
                    judged=turn.turn is not None,
                    failure=turn.failure,
                    obligations=_obligations(turn.judgements),
                )
            )
        )
    unmet = [f"turn {t.index}: {t.failure}" for t in result.turns if t.failure]
    unmet += [f"turn {t.index}: {u}" for t in result.turns for u in t.unmet]
    unmet += result.end_unmet
    found.append(
        ComplianceRecord(
            conversation=ConversationRecord(
                conversation=conversation.id,
                case=result.case.id,
                severity=conversation.severity,
                turns=len(result.turns),
                completed=result.completed,
                unmet=unmet,
                expected_outcome=conversation.end.outcome,
                outcome=result.outcome,
            )
        )
    )
    return found
