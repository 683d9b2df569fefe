"""Play a conversation case against the target and check what its script expects.

The player is transport-agnostic (it drives the chat engine's ``Conversation``), so the same
scripts run in the compliance suite and under load. Policies (the detectors) are applied by
the caller through ``judge``, on every turn, scripted expectations or not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from releasegate.chat.conversation import Expect, SideEffect
from releasegate.chat.engine import (
    ChatFailure,
    ChatRequest,
    ChatTurn,
    Conversation,
    Transport,
    excerpt,
)
from releasegate.chat.jsonpath import MISSING, lookup
from releasegate.chat.scripts import Case, fill

# (message, reply, what the user said before, the turn's scripted expectations) -> by rule
Judge = Callable[[str, ChatTurn, tuple[str, ...], Expect], Mapping[str, Any]]


@dataclass
class TurnResult:
    index: int  # 1-based, as people count turns
    message: str
    turn: ChatTurn | None  # None: the bot failed to answer, the turn could not be judged
    failure: str | None = None
    unmet: list[str] = field(default_factory=list)  # script expectations not met
    judgements: Mapping[str, Any] = field(default_factory=dict)  # detector -> judgement


@dataclass
class CaseResult:
    case: Case
    turns: list[TurnResult] = field(default_factory=list)
    captured: dict[str, str] = field(default_factory=dict)
    end_unmet: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """Every turn answered and every scripted expectation met."""
        played = len(self.turns) == len(self.case.messages)
        return (
            played
            and not self.end_unmet
            and all(t.turn is not None and not t.unmet for t in self.turns)
        )

    @property
    def outcome(self) -> str | None:
        """The conversation's final outcome as the bot reported it (e.g. the lead stage)."""
        last = next((t.turn for t in reversed(self.turns) if t.turn is not None), None)
        return last.outcome if last else None


def unmet(expect: Expect, turn: ChatTurn) -> list[str]:
    """The expectations of one reply that it does not meet, each in words."""
    text = turn.reply.casefold()
    problems = []
    if expect.contains_any and not any(w.casefold() in text for w in expect.contains_any):
        problems.append(f"contains none of {expect.contains_any}")
    problems += [f"lacks {w!r}" for w in expect.contains_all if w.casefold() not in text]
    problems += [f"contains {w!r}" for w in expect.not_contains if w.casefold() in text]
    if expect.regex and not re.search(expect.regex, turn.reply):
        problems.append(f"does not match /{expect.regex}/")
    if expect.intent is not None:
        wanted = [expect.intent] if isinstance(expect.intent, str) else expect.intent
        if turn.intent not in wanted:
            problems.append(f"intent is {turn.intent!r}, expected {' or '.join(wanted)}")
    if expect.handoff is not None and turn.handoff is not expect.handoff:
        problems.append(f"handoff is {turn.handoff!r}, expected {expect.handoff}")
    for path, wanted_value in expect.json_.items():
        found = lookup(turn.body, path)
        if found is MISSING or found != wanted_value:
            shown = "missing" if found is MISSING else repr(found)
            problems.append(f"{path} is {shown}, expected {wanted_value!r}")
    return problems


def templated(expect: Expect, values: dict[str, str]) -> Expect:
    """The expectations with ``{{ name }}`` filled, so a script can say the reply must not
    repeat ``{{ email }}`` or must quote the ``{{ ref }}`` captured earlier."""

    def each(texts: list[str]) -> list[str]:
        return [fill(text, values) for text in texts]

    return expect.model_copy(
        update={
            "contains_any": each(expect.contains_any),
            "contains_all": each(expect.contains_all),
            "not_contains": each(expect.not_contains),
        }
    )


def _capture(case: Case, index: int, turn: ChatTurn, captured: dict[str, str]) -> list[str]:
    problems = []
    for name, how in case.script.turns[index].capture.items():
        if how.regex is not None:
            found = re.search(how.regex, turn.reply)
            value = (found.group(1) if found.groups() else found.group(0)) if found else None
        else:
            raw = lookup(turn.body, how.json_ or "$")
            value = None if raw is MISSING or raw is None else str(raw)
        if value is None:
            problems.append(f"capture {name}: nothing matched in {excerpt(turn.reply)!r}")
        else:
            captured[name] = value
    return problems


def _side_effect(
    effect: SideEffect, transport: Transport, values: dict[str, str], timeout_s: float
) -> list[str]:
    path = fill(effect.path, values)
    where = f"{effect.method} {path}"
    try:
        response = transport.send(ChatRequest(effect.method, path, effect.body), timeout_s)
    except ChatFailure as exc:
        return [f"{where}: {exc}"]
    if response.status != effect.status:
        return [f"{where} answered {response.status}, expected {effect.status}: "
                f"{excerpt(response.text)}"]  # fmt: skip
    if not effect.json_:
        return []
    try:
        body = json.loads(response.text)
    except ValueError:
        return [f"{where} answered no JSON: {excerpt(response.text)}"]
    return [
        f"{where}: {path_} is {lookup(body, path_)!r}, expected {wanted!r}"
        for path_, wanted in effect.json_.items()
        if lookup(body, path_) != wanted
    ]


def play(
    case: Case,
    conversation: Conversation,
    judge: Judge | None = None,
    transport: Transport | None = None,
    on_turn: Callable[[TurnResult], None] | None = None,
) -> CaseResult:
    """Send each message (templates filled with vars and captures), check expectations, judge
    every answered turn; after the last turn, the end checks. A turn the bot fails to answer
    ends the case: the turns after it depend on it. ``on_turn`` hears each turn as soon as it is
    judged (under load, it settles the turn's request as a Locust success or failure)."""
    result = CaseResult(case)
    values = dict(case.conversation.vars)
    said: list[str] = []
    for index, template in enumerate(case.messages):
        message = fill(template, values)
        try:
            turn = conversation.send(message)
        except ChatFailure as exc:
            result.turns.append(TurnResult(index + 1, message, None, failure=str(exc)))
            if on_turn:
                on_turn(result.turns[-1])
            return result
        problems = unmet(templated(case.script.turns[index].expect, values), turn)
        problems += _capture(case, index, turn, result.captured)
        values |= result.captured
        expect = case.script.turns[index].expect
        judged = judge(message, turn, tuple(said), expect) if judge else {}
        result.turns.append(TurnResult(index + 1, message, turn, None, problems, judged))
        if on_turn:
            on_turn(result.turns[-1])
        said.append(message)
    end = case.conversation.end
    for name, pattern in end.expect.captured.items():
        value = result.captured.get(name)
        if value is None or not re.search(pattern, value):
            result.end_unmet.append(f"captured {name} is {value!r}, expected /{pattern}/")
    if end.outcome is not None and result.outcome != end.outcome:
        result.end_unmet.append(f"outcome is {result.outcome!r}, expected {end.outcome!r}")
    if transport is not None:
        timeout = conversation.contract.timeout_s
        for effect in end.requests:
            result.end_unmet += _side_effect(effect, transport, values, timeout)
    return result
