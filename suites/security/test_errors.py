"""Error hygiene: malformed and wrong-typed requests to the chat endpoint (and a path or method
that does not exist) get a 4xx, hostile text never a 5xx, and no error body shows a stack trace,
a server file path, a framework banner or SQL. Each request is one POST or GET: safe against
staging."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from releasegate.chat.engine import ChatRequest
from releasegate.http import TargetSession
from releasegate.security.headers import Issue
from releasegate.security.leaks import find_leaks
from releasegate.security.probes import Probes

pytestmark = pytest.mark.security

MARK = "releasegate probe"  # the message text the wrong-typed bodies replace
DIGITS = b"9" * 5000


def _swap(value: Any, replacement: Any) -> Any:
    """The body with the probe's message replaced by ``replacement`` wherever it occurs."""
    if value == MARK:
        return replacement
    if isinstance(value, dict):
        return {k: _swap(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, replacement) for v in value]
    return value


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


@dataclass(frozen=True)
class BadRequest:
    """One hostile request: how its body is built from a well-formed turn, and its headers."""

    describe: str
    body: Callable[[Any], bytes | None]
    content_type: str | None = "application/json"
    method: str = "POST"
    path: str | None = None  # None: the chat path
    valid: bool = False  # a well-formed request with hostile text: a 2xx is right


BAD_REQUESTS = [
    BadRequest("malformed JSON", lambda b: _json(b)[:-1] + b",,"),
    BadRequest("a JSON array, not an object", lambda b: b"[]"),
    BadRequest("a bare JSON string", lambda b: b'"hello"'),
    BadRequest("the message as a number", lambda b: _json(_swap(b, 12345))),
    BadRequest("the message as an object", lambda b: _json(_swap(b, {"$gt": ""}))),
    BadRequest("the message as a list", lambda b: _json(_swap(b, ["a", "b"]))),
    BadRequest("the message as null", lambda b: _json(_swap(b, None))),
    BadRequest("an empty object", lambda b: b"{}"),
    BadRequest("nested 10000 deep", lambda b: b"[" * 10_000 + b"]" * 10_000),
    BadRequest("a 5000-digit number", lambda b: _json(_swap(b, 7777)).replace(b"7777", DIGITS)),
    BadRequest("invalid UTF-8", lambda b: _json(b).replace(MARK.encode(), b"\xff\xfe\xfd")),
    BadRequest("a lone surrogate", lambda b: _json(b).replace(MARK.encode(), b"\\ud800")),
    BadRequest("SQL metacharacters", lambda b: _json(_swap(b, "' OR '1'='1'; --")), valid=True),
    BadRequest("a text/plain body", lambda b: _json(b), content_type="text/plain"),
    BadRequest("no body at all", lambda b: None, content_type=None),
    BadRequest("GET on the chat path", lambda b: None, content_type=None, method="GET"),
    BadRequest("an unknown path", lambda b: None, None, "GET", "/releasegate-probe/../etc/passwd"),
]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=[b.describe for b in BAD_REQUESTS])
def test_bad_request_gets_a_clean_4xx(
    bad: BadRequest, chat_target, http: TargetSession, probes: Probes
) -> None:
    turn: ChatRequest = chat_target.conversation().request(MARK)
    path = bad.path or turn.path
    headers = dict(turn.headers)
    if bad.content_type:
        headers["Content-Type"] = bad.content_type
    request = f"{bad.method} {path} with {bad.describe}"
    try:
        answer = http.request(bad.method, path, data=bad.body(turn.body), headers=headers)
    except requests.RequestException as exc:
        broke = f"no HTTP answer ({type(exc).__name__}): the request broke the connection"
        probes.add("error_status", request, [Issue("error_status", "high", broke)])
        probes.check()
        return
    status = []
    if answer.status_code >= 500:
        server_error = f"answered {answer.status_code}, a server error"
        status.append(Issue("error_status", "high", server_error, answer.text[:300]))
    elif answer.status_code < 400 and not bad.valid:
        accepted = f"accepted it with {answer.status_code}"
        status.append(Issue("error_status", "low", accepted, answer.text[:300]))
    probes.add("error_status", request, status)
    leaks = find_leaks(answer.text) if answer.status_code >= 400 else []
    shows = [
        Issue(
            "error_leak", "high", f"the {answer.status_code} body shows {leak.what}", leak.excerpt
        )
        for leak in leaks
    ]
    probes.add("error_leak", request, shows)
    probes.check()
