"""Load conversation scripts: find them, validate them, resolve includes and templates, and
expand variants into cases with readable ids.

Every defect is a ``ConversationError`` naming the file, the turn and the key: in pytest it is a
collection error, never a skipped test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from releasegate.chat.conversation import TEMPLATE, Conversation, Include, Turn, step_kind
from releasegate.chat.policy import POLICY_FILE
from releasegate.errors import UserError
from releasegate.validation import describe_errors, joined

PARTIALS = "partials"  # folders of included turn lists, not conversations themselves
MAX_CASES = 200  # per conversation, when every variant combination is asked for


class ConversationError(UserError):
    """A conversation file that cannot be played as written."""


@dataclass(frozen=True)
class Script:
    """A conversation with its includes resolved: the turns as they are played."""

    path: Path
    conversation: Conversation
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Case:
    """One way to play a script: a message per turn (its variants chosen) and a repeat."""

    script: Script
    id: str  # LQ-001, LQ-001[t2v1], LQ-001[t2v1]#2
    messages: tuple[str, ...]

    @property
    def conversation(self) -> Conversation:
        return self.script.conversation


def discover(folder: Path) -> list[Path]:
    """Every conversation file below ``folder``: YAML, not the policy, not a partial."""
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and p.is_file()
        and p.name != POLICY_FILE
        and PARTIALS not in p.relative_to(folder).parts
    ]
    return sorted(found)


def _read_yaml(path: Path, shown: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConversationError(f"{shown}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversationError(f"{shown}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConversationError(f"{shown}: invalid YAML: {exc}".replace("\n", " ")) from None


def _is_step_error(loc: tuple[int | str, ...]) -> bool:
    return len(loc) >= 3 and loc[0] == "turns" and loc[2] in ("turn", "include")


def _validate(raw: Any, shown: str) -> Conversation:
    """The conversation, or one line with its first problems. A step's errors are described
    against the step's own model, so a misspelt key reads ``turns[1].expect.contians_any``
    with its 'did you mean'."""
    raw = raw if raw is not None else {}
    try:
        return Conversation.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
    lines = describe_errors(Conversation, [e for e in errors if not _is_step_error(e["loc"])])
    for i in sorted({int(e["loc"][1]) for e in errors if _is_step_error(e["loc"])}):
        step = raw["turns"][i]
        model: type[BaseModel] = Include if step_kind(step) == "include" else Turn
        try:
            model.model_validate(step)
        except ValidationError as inner:
            lines += [f"turns[{i}].{line}" for line in describe_errors(model, inner)]
    raise ConversationError(f"{shown}: {joined(lines, 3)}")


def _partial(path: Path, shown: str) -> list[Turn]:
    raw = _read_yaml(path, shown)
    if not isinstance(raw, list) or not raw:
        raise ConversationError(f"{shown}: a partial is a non-empty list of turns")
    turns = []
    for i, item in enumerate(raw):
        try:
            turns.append(Turn.model_validate(item))
        except ValidationError as exc:
            raise ConversationError(
                f"{shown}: " + "; ".join(f"[{i}].{line}" for line in describe_errors(Turn, exc))
            ) from None
    return turns


def _check_templates(conversation: Conversation, turns: list[Turn], shown: str) -> None:
    """Every ``{{ name }}`` is a var or was captured by an earlier turn."""
    known = set(conversation.vars)
    for i, turn in enumerate(turns):
        expected = (*turn.expect.contains_any, *turn.expect.contains_all, *turn.expect.not_contains)
        for name in {n for text in expected for n in TEMPLATE.findall(text)}:
            if name not in known:
                raise ConversationError(
                    f"{shown}: turns[{i}].expect: {{{{ {name} }}}} is neither in vars nor "
                    "captured by an earlier turn"
                )
        for text in (turn.user, *turn.variants):
            for name in TEMPLATE.findall(text):
                if name not in known:
                    raise ConversationError(
                        f"{shown}: turns[{i}].user: {{{{ {name} }}}} is neither in vars nor "
                        f"captured by an earlier turn (known: {', '.join(sorted(known)) or 'none'})"
                    )
        known |= set(turn.capture)
    for j, effect in enumerate(conversation.end.requests):
        for name in TEMPLATE.findall(effect.path):
            if name not in known:
                raise ConversationError(
                    f"{shown}: end.requests[{j}].path: {{{{ {name} }}}} is not a var or capture"
                )
    for name in conversation.end.expect.captured:
        if name not in known - set(conversation.vars):
            raise ConversationError(f"{shown}: end.expect.captured.{name}: no turn captures it")


def load_script(path: Path, root: Path) -> Script:
    """One conversation file, with its includes (relative to it) resolved."""
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    conversation = _validate(_read_yaml(path, shown), shown)
    turns: list[Turn] = []
    for i, step in enumerate(conversation.turns):
        if isinstance(step, Include):
            target = (path.parent / step.include).resolve()
            if target == path.resolve():
                raise ConversationError(f"{shown}: turns[{i}].include: includes itself")
            turns += _partial(target, f"{shown}: turns[{i}].include {step.include}")
        else:
            turns.append(step)
    _check_templates(conversation, turns, shown)
    return Script(path, conversation, tuple(turns))


def load_scripts(folder: Path) -> list[Script]:
    """Every conversation below ``folder``; ids must be unique across files."""
    scripts = [load_script(p, folder) for p in discover(folder)]
    seen: dict[str, Path] = {}
    for script in scripts:
        other = seen.setdefault(script.conversation.id, script.path)
        if other != script.path:
            raise ConversationError(
                f"{script.path.relative_to(folder)}: id {script.conversation.id!r} is also the "
                f"id of {other.relative_to(folder)}"
            )
    return scripts


def _choices(script: Script) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(suffix, messages): the main texts, then each variant on its own (``each``) or every
    combination (``all``, at most MAX_CASES): utterance files must not blow up a suite."""
    mains = tuple(t.user for t in script.turns)
    yield "", mains
    if script.conversation.variants == "each":
        for i, turn in enumerate(script.turns):
            for j, variant in enumerate(turn.variants, 1):
                yield f"[t{i + 1}v{j}]", (*mains[:i], variant, *mains[i + 1 :])
        return
    options = [[(0, t.user), *enumerate(t.variants, 1)] for t in script.turns]
    combos = itertools.islice(itertools.product(*options), 1, MAX_CASES)
    for combo in combos:
        label = "".join(f"t{i + 1}v{j}" for i, (j, _) in enumerate(combo) if j)
        yield f"[{label}]", tuple(text for _, text in combo)


def expand(script: Script) -> list[Case]:
    cases = []
    for suffix, messages in _choices(script):
        for n in range(1, script.conversation.repeat + 1):
            repeat = f"#{n}" if script.conversation.repeat > 1 else ""
            cases.append(Case(script, f"{script.conversation.id}{suffix}{repeat}", messages))
    return cases


def fill(text: str, values: dict[str, str]) -> str:
    """``{{ name }}`` replaced (names were checked when the script loaded)."""
    return TEMPLATE.sub(lambda m: values[m.group(1)], text)
