"""Plumbing shared by the fake servers: command line, HTTP framing, clean shutdown.

Kept apart so that each fake's own file reads as its contract and nothing else. Every response,
even a framing error from the standard library, goes through the fake's own error shape, so a
fake never leaks an HTML error page the real product would not send.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Protocol
from urllib.parse import urlsplit

HOST = "127.0.0.1"
MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Request:
    """What a fake needs from one HTTP request (path without its query string)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    """One HTTP answer; ``json``/``text`` build the two kinds the fakes send."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Mapping[str, str] | None = None
    ) -> Response:
        return cls(status, json.dumps(payload).encode(), "application/json", headers or {})

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


class App(Protocol):
    """A fake's contract: a request in, a response out; errors in the contract's own shape."""

    server_header: str

    def handle(self, request: Request) -> Response: ...

    def error(self, status: int, message: str) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    """Reads the whole body, asks the app, writes the answer; HTTP/1.1 keep-alive safe."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body meet delayed ACKs: +40 ms a request
    app: App

    def _dispatch(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(self.app.error(411, "a Content-Length is required"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._send(self.app.error(413 if length > MAX_BODY else 400, "bad Content-Length"))
            return
        body = self.rfile.read(length) if length else b""
        method = "GET" if self.command == "HEAD" else self.command  # HEAD: GET without the body
        request = Request(method, urlsplit(self.path).path, self.headers, body)
        try:
            response = self.app.handle(request)
        except Exception as error:  # a bug in a fake must show as a 500, not a dropped socket
            print(f"internal error: {error!r}", file=sys.stderr, flush=True)
            response = self.app.error(500, "internal error")
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Framing errors (bad request line, huge headers) in the app's shape, not stdlib HTML."""
        self.close_connection = True
        self._send(self.app.error(code, message or self.responses.get(code, ("error",))[0]))

    def version_string(self) -> str:
        return self.app.server_header

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read stdout/stderr, and an unread pipe must never fill up."""


def run(
    prog: str,
    description: str,
    faults: Collection[str],
    build_app: Callable[[argparse.Namespace], App],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Parse the command line, listen on 127.0.0.1 only, serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--port", type=int, required=True, help="TCP port (0: any free port)")
    parser.add_argument(
        "--fault",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help=f"misbehave on purpose; one or more of: {', '.join(sorted(faults))}",
    )
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args(argv)
    unknown = [name for name in args.fault if name not in faults]
    if unknown:
        print(
            f"{prog}: unknown fault {unknown[0]!r} (known: {', '.join(sorted(faults))})",
            file=sys.stderr,
        )
        return 2

    handler = type("Handler", (_Handler,), {"app": build_app(args)})
    try:
        server = ThreadingHTTPServer((HOST, args.port), handler)
    except OSError as error:
        print(f"{prog}: cannot listen on {HOST}:{args.port}: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _exit_cleanly)
    active = f" (faults: {', '.join(args.fault)})" if args.fault else ""
    print(f"{prog} listening on http://{HOST}:{server.server_address[1]}{active}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
