"""A fake Rasa bot behind Rasa's REST channel, for end-to-end tests of the harness.

It proves the harness handles a list-of-messages contract with server-side sessions keyed by
``sender``: the disclaimer arrives as a second message, and history lives on the server.

    python tests/fakes/rasa_rest.py --port N [--fault NAME ...]

Faults: ``no_disclaimer`` (tax answers lose the disclaimer), ``shared_sender`` (one history for
everyone, like a misconfigured tracker store), ``object_reply`` (a single JSON object instead of
a list: a contract mismatch).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict

from brain import reply
from serving import Request, Response, run

RASA_VERSION = "3.6.20"
FAULTS = frozenset({"no_disclaimer", "shared_sender", "object_reply"})
WEBHOOK = "/webhooks/rest/webhook"


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
        return self.error(404, f"not found: {request.method} {request.path}")

    def error(self, status: int, message: str) -> Response:
        return Response.json(status, {"error": message})

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
        return Response.json(200, [{"recipient_id": sender, "text": part} for part in parts])


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
