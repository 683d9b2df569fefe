"""A fake OpenAI-compatible chat-completions server, for end-to-end tests of the harness.

It proves the harness handles a stateless contract: the client must resend the whole
conversation each turn, authenticate with a bearer token, and read ``choices[0].message``.

    python tests/fakes/openai_chat.py --port N [--token TOKEN] [--fault NAME ...]

The token defaults to $FAKE_OPENAI_TOKEN, else ``sk-test-fake``. Faults: ``no_disclaimer``
(tax answers lose the disclaimer), ``bad_shape`` (``{"output": ...}`` without ``choices``: a
contract mismatch).
"""

from __future__ import annotations

import argparse
import hmac
import itertools
import json
import os
import sys
import time

from brain import reply
from serving import Request, Response, run

MODEL = "fake-tax-1"
FAULTS = frozenset({"no_disclaimer", "bad_shape"})
ROLES = frozenset({"system", "user", "assistant"})


class OpenAIApp:
    """``/v1/models`` and ``/v1/chat/completions`` behind a bearer token, plus ``/health``."""

    server_header = "openai-fake"

    def __init__(self, token: str, faults: frozenset[str]) -> None:
        self.token = token
        self.faults = faults
        self._ids = itertools.count(1)  # next() on a count is atomic under the GIL

    def handle(self, request: Request) -> Response:
        route = (request.method, request.path)
        if route == ("GET", "/health"):
            return Response.json(200, {"status": "ok"})
        if route not in {("GET", "/v1/models"), ("POST", "/v1/chat/completions")}:
            return self.error(404, f"Unknown request URL: {request.method} {request.path}")
        if denied := self._check_token(request.headers.get("Authorization")):
            return denied
        if route == ("GET", "/v1/models"):
            model = {"id": MODEL, "object": "model", "owned_by": "releasegate-tests"}
            return Response.json(200, {"object": "list", "data": [model]})
        return self._complete(request.body)

    def error(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
        return Response.json(status, {"error": error}, headers)

    def _check_token(self, header: str | None) -> Response | None:
        if not header:
            message = "You didn't provide an API key (Authorization: Bearer YOUR_KEY)."
        else:
            scheme, _, given = header.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return None
            message = "Incorrect API key provided."
        return self.error(401, message, "invalid_api_key", headers={"WWW-Authenticate": "Bearer"})

    def _complete(self, body: bytes) -> Response:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self.error(400, "We could not parse the JSON body of your request.")
        if not isinstance(payload, dict):
            return self.error(400, "The request body must be a JSON object.")
        model, messages = payload.get("model"), payload.get("messages")
        if not isinstance(model, str):
            return self.error(400, "'model' must be a string.", param="model")
        if not _valid_messages(messages):
            return self.error(
                400,
                "'messages' must be a non-empty list of {role, content} objects with role "
                "system, user or assistant.",
                param="messages",
            )
        if model != MODEL:
            return self.error(404, f"The model `{model}` does not exist.", code="model_not_found")

        history = [m["content"] for m in messages if m["role"] == "user"]
        content = "\n\n".join(reply(history, disclaimer="no_disclaimer" not in self.faults))
        if "bad_shape" in self.faults:
            return Response.json(200, {"output": content})
        prompt_tokens = sum(len(m["content"].split()) for m in messages)
        completion_tokens = len(content.split())
        return Response.json(
            200,
            {
                "id": f"chatcmpl-fake{next(self._ids):06d}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )


def _valid_messages(messages: object) -> bool:
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str)
            for m in messages
        )
    )


def _add_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token",
        default=os.environ.get("FAKE_OPENAI_TOKEN") or "sk-test-fake",
        help="the bearer token clients must send (default: $FAKE_OPENAI_TOKEN or sk-test-fake)",
    )


def main(argv: list[str] | None = None) -> int:
    return run(
        "openai_chat",
        "Fake OpenAI-compatible chat-completions server.",
        FAULTS,
        lambda args: OpenAIApp(args.token, frozenset(args.fault)),
        add_arguments=_add_token,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
