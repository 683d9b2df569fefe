"""Turn pydantic validation errors into one-line messages that name the file and the key path.

Config, evidence and conversation files all go through here, so every bad input reads alike:
``releasegate.toml: policy.checks.pass_rate.treshold: unknown key (did you mean 'threshold'?)``.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import ErrorDetails


def check_regex(pattern: str) -> str:
    """A user-written regular expression, checked on load: a typo is an input error naming the
    pattern, not a crash in the middle of a run."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
    return pattern


Regex = Annotated[str, AfterValidator(check_regex)]


def repeated(items: list[str]) -> list[str]:
    """The items listed more than once, sorted: for the 'listed more than once' errors."""
    return sorted(item for item, count in Counter(items).items() if count > 1)


def unknown_name(what: str, name: str, known: Sequence[str]) -> str:
    """``unknown metric 'tests.pass_rat' (did you mean 'tests.pass_rate'?)``."""
    hint = difflib.get_close_matches(name, known, n=1)
    if hint:
        return f"unknown {what} {name!r} (did you mean {hint[0]!r}?)"
    return f"unknown {what} {name!r} (known: {', '.join(sorted(known)) or 'none'})"


def key_path(loc: Sequence[int | str]) -> str:
    """``("stages", "smoke", "suites", 1)`` -> ``stages.smoke.suites[1]``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated so the model class behind a field can be found."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(options[0]) if len(options) == 1 else annotation
    return annotation


def _allowed_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys the model accepts at the parent of ``loc`` (for 'did you mean')."""
    current: Any = model
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next(
                (f for name, f in current.model_fields.items() if part in (name, f.alias)), None
            )
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (dict, list, tuple):
            current = typing.get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _describe(model: type[BaseModel], error: ErrorDetails) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if hint:
            return f"unknown key (did you mean '{hint[0]}'?)"
        return f"unknown key (allowed: {', '.join(allowed)})" if allowed else "unknown key"
    message = error["msg"]
    if error["type"] == "missing":
        return "required key is missing"
    if error["type"].startswith("value_error"):
        message = message.removeprefix("Value error, ")
        return message
    value = error.get("input")
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{message[0].lower()}{message[1:]} (got {shown})"


def describe_errors(
    model: type[BaseModel], exc: ValidationError | Sequence[ErrorDetails]
) -> list[str]:
    """One ``key.path: what is wrong`` line per error."""
    errors = exc.errors() if isinstance(exc, ValidationError) else exc
    return [
        f"{key_path(e['loc'])}: {_describe(model, e)}" if e["loc"] else _describe(model, e)
        for e in errors
    ]


def joined(problems: Sequence[str], limit: int | None = None) -> str:
    """Problem lines (the first ``limit`` of them) on one line, saying how many were left."""
    more = len(problems) - limit if limit is not None and len(problems) > limit else 0
    return "; ".join(problems[:limit]) + (f" (and {more} more)" if more else "")


def one_line(
    source: str, model: type[BaseModel], exc: ValidationError, limit: int | None = None
) -> str:
    """The errors of one file (the first ``limit`` of them) joined into one line."""
    return f"{source}: {joined(describe_errors(model, exc), limit)}"
