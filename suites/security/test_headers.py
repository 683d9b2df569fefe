"""Response headers: the chat page's browser protections (CSP, framing, referrer, nosniff,
HSTS over https), the API's (nosniff, HSTS, no software banner), cookies wherever they are set,
and CORS towards an origin the target cannot trust. Read-only apart from one chat turn."""

from __future__ import annotations

import pytest
import requests

from releasegate.config import Config
from releasegate.http import TargetSession
from releasegate.security import headers as rules
from releasegate.security.probes import Probes

pytestmark = pytest.mark.security


def _cookies(response: requests.Response) -> list[str]:
    raw = response.raw.headers.getlist("Set-Cookie") if response.raw is not None else []
    return list(raw)


def _https(response: requests.Response) -> bool:
    return response.url.lower().startswith("https://")


def _common(probes: Probes, request: str, response: requests.Response) -> None:
    """The rules every response is held to."""
    found = response.headers
    probes.add("nosniff", request, rules.check_nosniff(found))
    probes.add("hsts", request, rules.check_hsts(found, _https(response)))
    probes.add("server_banner", request, rules.check_server_banner(found))
    probes.add("cookie_flags", request, rules.check_cookies(_cookies(response), _https(response)))


@pytest.mark.capability("page")
def test_chat_page_headers(http: TargetSession, releasegate_config: Config, probes: Probes) -> None:
    path = releasegate_config.target.page_path
    response = http.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    request = f"GET {path}"
    probes.add("csp", request, rules.check_csp(response.headers))
    probes.add("frame_protection", request, rules.check_frame_protection(response.headers))
    probes.add("referrer_policy", request, rules.check_referrer_policy(response.headers))
    _common(probes, request, response)
    probes.check()


def test_chat_api_headers(chat_target, http: TargetSession, probes: Probes) -> None:
    """A chat turn and an error answer carry the protections too."""
    conversation = chat_target.conversation()
    turn = conversation.request("Hello")
    answered = http.request(turn.method, turn.path, json=turn.body, headers=dict(turn.headers))
    assert answered.status_code < 500, f"a plain chat turn answered {answered.status_code}"
    _common(probes, f"{turn.method} {turn.path}", answered)
    missing = http.get("/releasegate-security-probe-not-found")
    _common(probes, "GET /releasegate-security-probe-not-found", missing)
    probes.check()


def test_cors_never_opens_credentials_to_any_origin(
    chat_target, http: TargetSession, releasegate_config: Config, probes: Probes
) -> None:
    origin = {"Origin": rules.PROBE_ORIGIN}
    path = releasegate_config.target.chat.path
    preflight = http.options(
        path,
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    probes.add("cors", f"OPTIONS {path} (preflight from {rules.PROBE_ORIGIN})",
               rules.check_cors(preflight.headers))  # fmt: skip
    turn = chat_target.conversation().request("Hello")
    answered = http.request(
        turn.method, turn.path, json=turn.body, headers={**turn.headers, **origin}
    )
    probes.add("cors", f"{turn.method} {turn.path} (from {rules.PROBE_ORIGIN})",
               rules.check_cors(answered.headers))  # fmt: skip
    if releasegate_config.target.has("page"):
        page = releasegate_config.target.page_path
        probes.add("cors", f"GET {page} (from {rules.PROBE_ORIGIN})",
                   rules.check_cors(http.get(page, headers=origin).headers))  # fmt: skip
    probes.check()
