"""JSONPath lookups into chat replies (the target's contract names its fields by JSONPath)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext import parse as _parse

MISSING = object()


@lru_cache(maxsize=256)
def compile_path(expression: str) -> JSONPath:
    """Parse once; a bad expression raises ValueError with the expression in the message."""
    try:
        return _parse(expression)
    except Exception as exc:  # jsonpath-ng raises lexer, parser and plain errors alike
        raise ValueError(f"invalid JSONPath {expression!r}: {exc}") from None


def lookup(document: Any, expression: str) -> Any:
    """The first value at ``expression``, or MISSING."""
    matches = compile_path(expression).find(document)
    return matches[0].value if matches else MISSING
