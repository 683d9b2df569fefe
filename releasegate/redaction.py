"""Secrets never written: header values read from the environment, URL user-info, and whatever
matches a configured pattern are replaced in every output (console, decision, Markdown, JUnit,
evidence, the suites' output).

The secrets of a process are registered where they come into it (a header resolved, a base URL
parsed, a config loaded) and redacted where anything leaves it (writing JSON and reports,
printing), so no renderer has to remember.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET = 4  # shorter values would mask ordinary words
_secrets: set[str] = set()
_patterns: list[re.Pattern[str]] = []


def add_secret(value: str | None) -> None:
    if value and len(value) >= MIN_SECRET:
        _secrets.add(value)


def add_pattern(pattern: str) -> None:
    compiled = re.compile(pattern)
    if compiled not in _patterns:
        _patterns.append(compiled)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):  # longest first: no partial leftovers
        text = text.replace(secret, MASK)
    for pattern in _patterns:
        text = pattern.sub(MASK, text)
    return text


def redact_json(value: Any) -> Any:
    """The same JSON value with every string (keys included) redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """``https://user:key@host/x`` -> (``https://host/x``, (user, key)); the credentials are
    registered as secrets. Requests get them as HTTP basic auth, reports never see them."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    user, password = parts.username or "", parts.password or ""
    add_secret(user if password == "" else None)  # a token given as the user name
    add_secret(password)
    add_secret(parts.netloc.rsplit("@", 1)[0])
    host = parts.netloc.rsplit("@", 1)[1]
    clean = urlunsplit(SplitResult(parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, (user, password)
