"""Abuse limits, reported rather than enforced (warn level in the default policy): does the chat
endpoint push back on a burst of requests, and does it refuse a body far over any sensible
size? Both are bounded (a burst of ``BURST`` requests within ``BURST_S`` seconds, one 1 MiB body),
so they are safe against staging; a burst of 30 is no load test."""

from __future__ import annotations

import time

import pytest
import requests

from releasegate.http import TargetSession
from releasegate.security.headers import Issue
from releasegate.security.probes import Probes

pytestmark = pytest.mark.security

BURST = 30
BURST_S = 5.0
OVERSIZED = 1024 * 1024  # characters in one message
LIMIT_HEADERS = ("ratelimit-policy", "ratelimit-limit", "ratelimit", "x-ratelimit-limit")


def test_chat_pushes_back_on_a_burst(chat_target, http: TargetSession, probes: Probes) -> None:
    turn = chat_target.conversation().request("Hello")
    statuses: list[int] = []
    advertised = ""
    started = time.monotonic()
    while len(statuses) < BURST and time.monotonic() - started < BURST_S:
        answer = http.request(turn.method, turn.path, json=turn.body, headers=dict(turn.headers))
        statuses.append(answer.status_code)
        advertised = advertised or next(
            (f"{h}: {answer.headers[h]}" for h in LIMIT_HEADERS if h in answer.headers), ""
        )
        if answer.status_code == 429:
            break
    took = time.monotonic() - started
    request = f"{len(statuses)} x {turn.method} {turn.path} in {took:.1f} s"
    failed = [s for s in statuses if s >= 500]
    limited = 429 in statuses or advertised
    issues = [
        Issue("rate_limit", "high", f"{len(failed)} server error(s) in a burst of {BURST}",
              f"statuses: {statuses}")
    ] if failed else [] if limited else [
        Issue("rate_limit", "low", f"no rate limit seen: {len(statuses)} chat requests in "
              f"{took:.1f} s were all answered, with no 429 and no RateLimit header",
              f"statuses: {sorted(set(statuses))}")
    ]  # fmt: skip
    probes.add("rate_limit", request, issues)
    probes.check()


def test_chat_refuses_an_oversized_body(chat_target, http: TargetSession, probes: Probes) -> None:
    turn = chat_target.conversation().request("x" * OVERSIZED)
    request = f"{turn.method} {turn.path} with a {OVERSIZED // 1024} KiB message"
    try:
        answer = http.request(turn.method, turn.path, json=turn.body, headers=dict(turn.headers))
    except requests.ConnectionError:  # closed on us mid-upload: refused, the rude way
        probes.add("size_limit", request, [])
        probes.check()
        return
    issues = []
    if answer.status_code >= 500:
        issues.append(Issue("size_limit", "high", f"answered {answer.status_code}, a server error",
                            answer.text[:200]))  # fmt: skip
    elif answer.status_code < 400:
        issues.append(Issue("size_limit", "medium", f"accepted a {OVERSIZED // 1024} KiB message "
                            f"with {answer.status_code}: no request size limit"))  # fmt: skip
    probes.add("size_limit", request, issues)
    probes.check()
