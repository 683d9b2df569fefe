"""The browser protections a response's headers give, judged rule by rule.

Pure functions of a response's headers (and whether it is an HTML page served over https), so
each rule is tested on small fixtures and runs the same against any deployment. Severities are
those of ``docs/security.md``: a missing or inline-permitting Content-Security-Policy on the
chat page is **high** (the page shows text that users and attackers steer, and the policy is
what stops a rendering slip from running script); clickjacking, HSTS and cookie exposure are
medium; the rest low.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Literal

Severity = Literal["high", "medium", "low", "info"]
HSTS_MIN_AGE = 15_552_000  # 180 days, the floor most baselines ask for
PROBE_ORIGIN = "https://releasegate-probe.invalid"


@dataclass(frozen=True)
class Issue:
    rule: str
    severity: Severity
    message: str
    evidence: str = ""


def _get(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def csp_directives(policy: str) -> dict[str, list[str]]:
    """``"default-src 'none'; script-src 'self'"`` -> ``{"default-src": ["'none'"], ...}``;
    the first of a repeated directive wins, as browsers do."""
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in found:
            found[words[0].lower()] = words[1:]
    return found


def check_csp(headers: Mapping[str, str]) -> list[Issue]:
    """An HTML page's script policy: present, enforced, and no inline or remote script that a
    nonce or hash does not pin down."""
    policy = _get(headers, "Content-Security-Policy")
    if not policy:
        only_report = _get(headers, "Content-Security-Policy-Report-Only")
        extra = " (only Content-Security-Policy-Report-Only, which enforces nothing)"
        return [Issue("csp", "high", "no Content-Security-Policy" + (extra if only_report else ""))]
    directives = csp_directives(policy)
    source = "script-src" if "script-src" in directives else "default-src"
    if source not in directives:
        return [Issue("csp", "high", "the policy has no script-src or default-src", policy)]
    values = [v.lower() for v in directives[source]]
    pinned = any(v.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for v in values)
    issues = []
    if "'unsafe-inline'" in values and not pinned:
        issues.append(
            Issue("csp", "high", f"{source} allows 'unsafe-inline' without a nonce or hash", policy)
        )
    remote = [v for v in values if v in ("*", "http:", "https:", "data:") or v.startswith("http:")]
    if remote and "'strict-dynamic'" not in values:
        issues.append(Issue("csp", "medium", f"{source} allows script from {remote[0]}", policy))
    if "'unsafe-eval'" in values:
        issues.append(Issue("csp", "low", f"{source} allows 'unsafe-eval'", policy))
    return issues


def check_frame_protection(headers: Mapping[str, str]) -> list[Issue]:
    """A page must not be framed by another site (clickjacking)."""
    ancestors = csp_directives(_get(headers, "Content-Security-Policy") or "").get(
        "frame-ancestors"
    )
    if ancestors is not None and "*" not in ancestors:
        return []
    frame = (_get(headers, "X-Frame-Options") or "").strip().upper()
    if frame in ("DENY", "SAMEORIGIN"):
        return []
    shown = f"X-Frame-Options: {frame}" if frame else ""
    return [
        Issue(
            "frame_protection",
            "medium",
            "neither CSP frame-ancestors nor X-Frame-Options DENY/SAMEORIGIN: any site may "
            "frame the page",
            shown,
        )
    ]


def check_nosniff(headers: Mapping[str, str]) -> list[Issue]:
    value = (_get(headers, "X-Content-Type-Options") or "").strip().lower()
    if value == "nosniff":
        return []
    return [Issue("nosniff", "low", "no X-Content-Type-Options: nosniff", value)]


def check_referrer_policy(headers: Mapping[str, str]) -> list[Issue]:
    value = (_get(headers, "Referrer-Policy") or "").strip().lower()
    if not value:
        return [Issue("referrer_policy", "low", "no Referrer-Policy")]
    last = value.split(",")[-1].strip()  # the last policy a browser knows wins
    if last in ("unsafe-url", "no-referrer-when-downgrade"):
        return [Issue("referrer_policy", "low", f"Referrer-Policy {last} sends full URLs", value)]
    return []


def check_hsts(headers: Mapping[str, str], https: bool) -> list[Issue]:
    """Over https, the browser must be told to never use plain http."""
    if not https:
        return []
    value = _get(headers, "Strict-Transport-Security")
    if not value:
        return [Issue("hsts", "medium", "served over https without Strict-Transport-Security")]
    age = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    if not age or int(age.group(1)) < HSTS_MIN_AGE:
        return [Issue("hsts", "low", f"HSTS max-age below {HSTS_MIN_AGE} s", value)]
    return []


def check_cookies(set_cookies: Sequence[str], https: bool) -> list[Issue]:
    """Every cookie set: HttpOnly, SameSite, and Secure over https. Values are never shown."""
    issues = []
    for header in set_cookies:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            issues.append(Issue("cookie_flags", "low", "a Set-Cookie header that does not parse"))
            continue
        for name, morsel in jar.items():
            shown = f"Set-Cookie: {name}=***"
            if not morsel["httponly"]:
                issues.append(
                    Issue("cookie_flags", "medium", f"cookie {name} without HttpOnly", shown)
                )
            if https and not morsel["secure"]:
                issues.append(
                    Issue("cookie_flags", "medium", f"cookie {name} without Secure", shown)
                )
            if not morsel["samesite"]:
                issues.append(
                    Issue("cookie_flags", "low", f"cookie {name} without SameSite", shown)
                )
    return issues


def check_cors(headers: Mapping[str, str]) -> list[Issue]:
    """The answer to a request from :data:`PROBE_ORIGIN`, a site the target cannot trust."""
    allowed = (_get(headers, "Access-Control-Allow-Origin") or "").strip()
    credentials = (_get(headers, "Access-Control-Allow-Credentials") or "").strip().lower()
    shown = (
        f"Access-Control-Allow-Origin: {allowed}; Access-Control-Allow-Credentials: {credentials}"
    )
    if allowed in ("*", PROBE_ORIGIN, "null") and credentials == "true":
        return [
            Issue(
                "cors", "high", f"any site may read responses with the user's credentials "
                f"(origin {allowed!r} with credentials)", shown,
            )
        ]  # fmt: skip
    if allowed == PROBE_ORIGIN:
        return [Issue("cors", "low", "an unknown origin is reflected as allowed", shown)]
    return []


def check_server_banner(headers: Mapping[str, str]) -> list[Issue]:
    """Version numbers of the server or framework in the headers help an attacker pick exploits."""
    issues = []
    for name in ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"):
        value = _get(headers, name)
        if value and (name != "Server" or re.search(r"\d", value)):
            issues.append(
                Issue("server_banner", "low", f"{name} names the software", f"{name}: {value}")
            )
    return issues
