"""The header rules on small fixtures: what counts as a protection, and what does not."""

from __future__ import annotations

import pytest

from releasegate.security import headers as rules

TAXBOT_PAGE = (
    "default-src 'none'; script-src 'sha256-abc='; style-src 'sha256-def='; img-src data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


def severities(issues: list[rules.Issue]) -> list[str]:
    return [i.severity for i in issues]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (TAXBOT_PAGE, []),
        ("default-src 'self'", []),  # script-src falls back to default-src
        ("script-src 'self' 'unsafe-inline'", ["high"]),
        ("script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic'", []),  # CSP3: ignored
        ("script-src 'sha256-abc=' 'unsafe-inline'", []),
        ("default-src 'self' 'unsafe-inline'", ["high"]),
        ("style-src 'self'", ["high"]),  # nothing says where scripts come from
        ("script-src https:", ["medium"]),
        ("script-src 'self' 'unsafe-eval'", ["low"]),
        ("SCRIPT-SRC 'self' 'UNSAFE-INLINE'", ["high"]),  # case does not matter
        ("script-src 'self'; script-src 'unsafe-inline'", []),  # the first directive wins
    ],
)
def test_csp(policy: str, expected: list[str]) -> None:
    assert severities(rules.check_csp({"Content-Security-Policy": policy})) == expected


def test_a_report_only_policy_enforces_nothing():
    (issue,) = rules.check_csp({"Content-Security-Policy-Report-Only": TAXBOT_PAGE})
    assert issue.severity == "high"
    assert "Report-Only" in issue.message


@pytest.mark.parametrize(
    ("headers", "protected"),
    [
        ({"Content-Security-Policy": "frame-ancestors 'none'"}, True),
        ({"Content-Security-Policy": "frame-ancestors *"}, False),
        ({"X-Frame-Options": "sameorigin"}, True),
        ({"X-Frame-Options": "ALLOW-FROM https://x.example"}, False),  # obsolete, ignored
        ({}, False),
    ],
)
def test_frame_protection(headers: dict[str, str], protected: bool) -> None:
    assert (rules.check_frame_protection(headers) == []) is protected


def test_hsts_only_matters_over_https():
    assert rules.check_hsts({}, https=False) == []
    assert severities(rules.check_hsts({}, https=True)) == ["medium"]
    assert severities(rules.check_hsts({"Strict-Transport-Security": "max-age=300"}, True)) == [
        "low"
    ]
    assert rules.check_hsts({"strict-transport-security": "max-age=31536000"}, True) == []


def test_cookie_flags_never_show_the_value():
    issues = rules.check_cookies(["sid=abc123secret; Path=/"], https=True)
    assert sorted(i.message for i in issues) == [
        "cookie sid without HttpOnly", "cookie sid without SameSite", "cookie sid without Secure",
    ]  # fmt: skip
    assert all("abc123secret" not in i.evidence for i in issues)
    good = "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert rules.check_cookies([good], https=True) == []
    assert rules.check_cookies(["sid=abc; HttpOnly; SameSite=Strict"], https=False) == []


@pytest.mark.parametrize(
    ("allowed", "credentials", "expected"),
    [
        ("*", "true", ["high"]),
        (rules.PROBE_ORIGIN, "true", ["high"]),
        ("null", "true", ["high"]),
        ("*", "", []),  # a public API readable by anyone, without the user's cookies
        (rules.PROBE_ORIGIN, "", ["low"]),
        ("https://app.example.com", "true", []),
        ("", "", []),
    ],
)
def test_cors(allowed: str, credentials: str, expected: list[str]) -> None:
    headers = {
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Allow-Credentials": credentials,
    }
    assert severities(rules.check_cors(headers)) == expected


def test_banners_with_versions():
    assert rules.check_server_banner({"Server": "uvicorn"}) == []
    assert severities(rules.check_server_banner({"Server": "nginx/1.24.0"})) == ["low"]
    assert severities(rules.check_server_banner({"X-Powered-By": "Express"})) == ["low"]


def test_referrer_policy():
    assert severities(rules.check_referrer_policy({})) == ["low"]
    assert rules.check_referrer_policy({"Referrer-Policy": "no-referrer"}) == []
    assert severities(rules.check_referrer_policy({"Referrer-Policy": "unsafe-url"})) == ["low"]
    assert rules.check_referrer_policy({"Referrer-Policy": "unsafe-url, strict-origin"}) == []
