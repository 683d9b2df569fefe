"""HTTP layer: ``create_app(settings)`` builds one self-contained taxbot (own DB, own metrics).

Endpoints stay thin: faults that act on HTTP (down, errors, slow, no_metrics, no_feedback)
are applied here; what the bot says is decided in ``dialogue``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi import Path as FastApiPath
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from taxbot import errors, headers
from taxbot.faults import FailureSchedule, has_composed_emoji
from taxbot.metrics import Metrics
from taxbot.page import render_page
from taxbot.payloads import ChatPayload, FeedbackPayload, read_payload
from taxbot.schemas import (
    ChatReply,
    FeedbackRecorded,
    Health,
    LeadRecord,
    Ready,
    StoredFeedback,
    Version,
    request_body,
)
from taxbot.schemas import errors as error_responses
from taxbot.service import TaxBotService
from taxbot.settings import Settings
from taxbot.store import Store

SQLITE_MAX_INTEGER = 2**63 - 1  # a larger id cannot exist, and SQLite cannot even be asked


def create_app(settings: Settings) -> FastAPI:
    faults = settings.faults
    store = Store(settings.db_path, schema_change=faults.schema_change)
    metrics = Metrics(settings.version, faults)
    if faults.ready_without_db:
        store.close()  # the database is gone: every query fails from now on
    service = TaxBotService(store, metrics, faults)
    failures = FailureSchedule(faults.error_rate)
    page = render_page(faults)
    unstored_ids = itertools.count(1)
    lock = asyncio.Lock()  # the lock fault: one chat reply at a time

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="taxbot",
        version=settings.version,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics
    errors.install_handlers(app, show_tracebacks=faults.stack_trace)
    if not faults.no_headers:
        headers.install(app, headers.page_policy(page, unsafe_inline_script=faults.html_replies))

    async def database_down(_: Request, exc: Exception) -> Response:
        """A lost database is an outage to report (503), not a crash."""
        return errors.ApiError(
            503, "database_unavailable", f"The database failed: {exc}"
        ).response()

    app.add_exception_handler(sqlite3.Error, database_down)

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Response:
        """Every answer counted by route template (not raw path: bounded label values), method
        and status, so error-ratio SLIs can be computed; crashes count as 500."""
        status = 500
        try:
            response: Response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            metrics.http_requests.labels(path=path, method=request.method, status=status).inc()

    def ensure_up() -> None:
        if faults.down:
            raise errors.unavailable()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/healthz", response_model=Health, responses=error_responses(503))
    async def healthz() -> dict[str, str]:
        ensure_up()
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"description": "the database or taxbot is unavailable",
                         "content": {"application/json": {"schema": _unready_schema()}}}},
    )  # fmt: skip
    def readyz() -> JSONResponse:
        ensure_up()
        if faults.ready_without_db:  # the probe forgot to ask the database
            return JSONResponse({"status": "ready", "database": "ok"})
        try:
            store.ping()
        except sqlite3.Error as exc:
            return JSONResponse({"status": "unready", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok"})

    @app.get("/version", response_model=Version)
    async def version() -> dict[str, str]:
        return {"name": "taxbot", "version": settings.version}

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"description": "Prometheus text format",
                         "content": {"text/plain": {"schema": {"type": "string"}}}},
                   **error_responses(404)},
    )  # fmt: skip
    async def metrics_text(request: Request) -> Response:
        if faults.no_metrics:
            raise errors.not_found(request)
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.post(
        "/api/chat",
        response_model=ChatReply,
        responses=error_responses(400, 404, 413, 415, 422, 500, 503),
        openapi_extra=request_body(ChatPayload),
    )
    async def chat(request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        if faults.slow_ms:
            await asyncio.sleep(faults.slow_ms / 1000)
        ensure_up()
        if failures.next_fails():
            raise errors.internal_error()
        if faults.stack_trace:
            json.loads(await request.body())  # unguarded: a malformed body crashes the handler
        payload = await read_payload(request, ChatPayload)
        if faults.emoji_500 and has_composed_emoji(payload.message):
            raise errors.internal_error()
        turn = await run_in_threadpool(service.chat, payload.session_id, payload.message)
        if faults.slow_intent and turn.reply.intent == faults.slow_intent[0]:
            await asyncio.sleep(faults.slow_intent[1] / 1000)
        if faults.lock_ms:
            async with lock:
                await asyncio.sleep(faults.lock_ms / 1000)
        elapsed = time.perf_counter() - started
        metrics.chat_answered(turn.reply.intent, elapsed, disclaimer=turn.reply.disclaimer)
        return turn.to_json()

    @app.post(
        "/api/feedback",
        status_code=201,
        response_model=FeedbackRecorded,
        responses=error_responses(400, 404, 413, 415, 422, 503),
        openapi_extra=request_body(FeedbackPayload),
    )
    async def feedback(request: Request) -> dict[str, Any]:
        ensure_up()
        if faults.no_feedback:
            raise errors.not_found(request)
        payload = await read_payload(request, FeedbackPayload)
        if faults.feedback_unstored:  # answered as if recorded; nothing stored, nothing counted
            return {"status": "recorded", "feedback_id": next(unstored_ids)}
        feedback_id = await run_in_threadpool(
            service.feedback, payload.session_id, payload.rating, payload.comment
        )
        return {"status": "recorded", "feedback_id": feedback_id}

    @app.get(
        "/api/feedback/{feedback_id}",
        response_model=StoredFeedback,
        responses=error_responses(404, 422),
    )
    def stored_feedback(
        feedback_id: Annotated[int, FastApiPath(ge=1, le=SQLITE_MAX_INTEGER)],
    ) -> dict[str, Any]:
        record = service.stored_feedback(feedback_id)
        if record is None:
            raise errors.ApiError(
                404, "not_found", f"No feedback has the id {feedback_id}.", "feedback_id"
            )
        return {"feedback_id": record.id, "rating": record.rating, "created_at": record.created_at}

    @app.get(
        "/api/leads/{reference}", response_model=LeadRecord, responses=error_responses(404, 422)
    )
    def lead(reference: str) -> dict[str, Any]:
        record = service.lead(reference)
        if record is None:
            raise errors.ApiError(
                404, "not_found", f"No lead has the reference {reference!r}.", "reference"
            )
        return {
            "reference": record.reference,
            "stage": "qualified",
            "created_at": record.created_at,
            "fields": record.fields,
        }

    return app


def _unready_schema() -> dict[str, Any]:
    """503 from /readyz: the database check's answer, or the one error shape (``down``)."""
    return {
        "anyOf": [
            {"$ref": "#/components/schemas/Ready"},
            {"$ref": "#/components/schemas/ErrorBody"},
        ]
    }
