"""The one error shape every failure uses: ``{"error": {"code", "message", "field"}}``.

Clients (and the release gate's fuzzing) rely on it: bad input is always a 4xx with a message
a person can act on, never a framework default or a 500.
"""

from __future__ import annotations

import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException


class ApiError(Exception):
    """An error answered as JSON with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers

    def response(self) -> JSONResponse:
        body = {"error": {"code": self.code, "message": self.message, "field": self.field}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def not_found(request: Request) -> ApiError:
    return ApiError(404, "not_found", f"Nothing here: {request.method} {request.url.path}")


def unknown_session() -> ApiError:
    return ApiError(
        404,
        "unknown_session",
        "No conversation has this session_id. Leave session_id out to start a new one.",
        "session_id",
    )


def unavailable() -> ApiError:
    return ApiError(503, "unavailable", "TaxBot is temporarily unavailable. Try again later.")


def internal_error() -> ApiError:
    return ApiError(500, "internal_error", "Something went wrong on our side. Try again.")


def install_handlers(app: FastAPI, *, show_tracebacks: bool = False) -> None:
    """Route framework errors (404, 405, validation, crashes) through the same shape.
    ``show_tracebacks`` (the ``stack_trace`` fault) answers a crash with its Python traceback,
    as a framework's debug mode does."""

    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return not_found(request).response()
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            message = f"{request.method} is not allowed on {request.url.path}; use {allowed}."
            return ApiError(405, "method_not_allowed", message, headers=exc.headers).response()
        return ApiError(exc.status_code, "http_error", str(exc.detail)).response()

    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
        message = f"Invalid request: {first.get('msg', 'validation failed')}."
        return ApiError(422, "invalid_field", message, field).response()

    async def crash(_: Request, exc: Exception) -> Response:
        if show_tracebacks:
            return PlainTextResponse("".join(traceback.format_exception(exc)), status_code=500)
        return internal_error().response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, crash)
