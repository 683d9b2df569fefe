"""A fake Rasa bot behind Rasa's REST channel, for end-to-end tests of the harness.

It proves the harness handles a list-of-messages contract with server-side sessions keyed by
``sender``: the disclaimer arrives as a second message, and history lives on the server.

    python tests/fakes/rasa_rest.py --port N [--fault NAME ...]

Faults: ``no_disclaimer`` (tax answers lose the disclaimer), ``shared_sender`` (one history for
everyone, like a misconfigured tracker store), ``object_reply`` (a single JSON object instead of
a list: a contract mismatch), ``page_new_sender`` (the web chat page starts a new conversation
with every message).

``GET /chat`` is a web chat page of its own markup (a textarea sending on Enter, a transcript
list, a banner when a ``{"custom": {"handoff": true}}`` message arrives, an alert region), so
the e2e journeys are proven on a page that is not taxbot's.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict
from pathlib import Path

from brain import reply, wants_human
from serving import Request, Response, run

RASA_VERSION = "3.6.20"
FAULTS = frozenset({"no_disclaimer", "shared_sender", "object_reply", "page_new_sender"})
WEBHOOK = "/webhooks/rest/webhook"
PAGE = Path(__file__).with_name("static") / "rasa_webchat.html"


class RasaApp:
    """Routes of Rasa's HTTP API that a REST-channel bot exposes, and nothing more."""

    server_header = "rasa-fake"

    def __init__(self, faults: frozenset[str]) -> None:
        self.faults = faults
        self._histories: defaultdict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        route = (request.method, request.path)
        if route == ("GET", "/"):
            return Response.text(200, f"Hello from Rasa: {RASA_VERSION}")
        if route == ("GET", "/version"):
            return Response.json(
                200, {"version": RASA_VERSION, "minimum_compatible_version": "3.5.0"}
            )
        if route == ("POST", WEBHOOK):
            return self._webhook(request.body)
        if route == ("GET", "/chat"):
            return self._page()
        return self.error(404, f"not found: {request.method} {request.path}")

    def error(self, status: int, message: str) -> Response:
        return Response.json(status, {"error": message})

    def _page(self) -> Response:
        html = PAGE.read_text(encoding="utf-8")
        if "page_new_sender" in self.faults:
            html = html.replace('data-sender="kept"', 'data-sender="per-message"')
        return Response(200, html.encode(), "text/html; charset=utf-8")

    def _webhook(self, body: bytes) -> Response:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self.error(400, "request body is not valid JSON")
        if not isinstance(payload, dict):
            return self.error(400, "request body must be a JSON object")
        sender, message = payload.get("sender"), payload.get("message")
        if not isinstance(sender, str) or not isinstance(message, str):
            return self.error(400, "'sender' and 'message' must both be strings")

        key = "" if "shared_sender" in self.faults else sender
        with self._lock:
            history = self._histories[key]
            history.append(message)
            parts = reply(history, disclaimer="no_disclaimer" not in self.faults)

        if "object_reply" in self.faults:
            return Response.json(200, {"text": "\n\n".join(parts)})
        messages: list[dict[str, object]] = [{"recipient_id": sender, "text": p} for p in parts]
        if wants_human(message):  # Rasa bots signal a handoff with a custom payload
            messages.append({"recipient_id": sender, "custom": {"handoff": True}})
        return Response.json(200, messages)


def main(argv: list[str] | None = None) -> int:
    return run(
        "rasa_rest",
        "Fake Rasa bot on the REST channel.",
        FAULTS,
        lambda args: RasaApp(frozenset(args.fault)),
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
