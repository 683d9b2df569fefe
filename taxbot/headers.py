"""Browser protections on every response: a Content-Security-Policy, ``nosniff``, no framing,
no referrer, and HSTS when served over https.

The chat page keeps its script and style inline (one self-contained file), so its policy
allows exactly those blocks by their SHA-256 hashes: no ``'unsafe-inline'``, and a script
injected into the page does not run. The hashes are taken from the page as served, so a fault
that edits the page keeps a policy that matches it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_policy(html: str, *, unsafe_inline_script: bool = False) -> str:
    """The page's CSP: its own inline blocks by hash, fetches to itself, nothing else."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in INLINE.findall(html):
        hashes[tag].append(_sha256(body))
    scripts = "'unsafe-inline'" if unsafe_inline_script else " ".join(hashes["script"])
    return (
        f"default-src 'none'; script-src {scripts}; style-src {' '.join(hashes['style'])}; "
        "img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def install(app: FastAPI, page_csp: str, page_path: str = "/") -> None:
    """Add the headers to every response that passes the app's middleware."""

    @app.middleware("http")
    async def protect(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(COMMON)
        page = request.url.path == page_path and request.method in ("GET", "HEAD")
        response.headers["Content-Security-Policy"] = page_csp if page else API_POLICY
        if request.url.scheme == "https":
            response.headers["Strict-Transport-Security"] = HSTS
        return response
