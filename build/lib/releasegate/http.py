"""HTTP to the target, failing tests with one clear line when the target does not answer."""

from __future__ import annotations

import httpx


class TargetUnreachable(AssertionError):
    """No HTTP answer at all (refused, reset, timed out): a failed check of the target, reported
    as one line instead of an httpx traceback."""


class ReportingTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except httpx.TransportError as exc:
            detail = str(exc) or type(exc).__name__
            raise TargetUnreachable(f"{request.method} {request.url}: {detail}") from None


def target_client(base_url: str, timeout_s: float) -> httpx.Client:
    """A client bound to the target: timeouts, no silent redirects, readable failures."""
    return httpx.Client(
        base_url=base_url,
        timeout=timeout_s,
        follow_redirects=False,
        transport=ReportingTransport(),
    )
