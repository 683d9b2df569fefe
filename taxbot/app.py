"""HTTP layer: ``create_app(settings)`` builds one self-contained taxbot (own DB, own metrics).

Endpoints stay thin: faults that act on HTTP (down, errors, slow, no_metrics, no_feedback)
are applied here; what the bot says is decided in ``dialogue``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from taxbot import errors
from taxbot.faults import FailureSchedule
from taxbot.metrics import Metrics
from taxbot.page import render_page
from taxbot.payloads import ChatPayload, FeedbackPayload, read_payload
from taxbot.service import TaxBotService
from taxbot.settings import Settings
from taxbot.store import Store


def create_app(settings: Settings) -> FastAPI:
    faults = settings.faults
    store = Store(settings.db_path)
    metrics = Metrics(settings.version)
    service = TaxBotService(store, metrics, faults)
    failures = FailureSchedule(faults.error_rate)
    page = render_page(faults)
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
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics
    errors.install_handlers(app)

    def ensure_up() -> None:
        if faults.down:
            raise errors.unavailable()

    @app.get("/", response_class=HTMLResponse)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        ensure_up()
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ensure_up()
        try:
            store.ping()
        except sqlite3.Error as exc:
            return JSONResponse({"status": "unready", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok"})

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"name": "taxbot", "version": settings.version}

    @app.get("/metrics")
    async def metrics_text(request: Request) -> Response:
        if faults.no_metrics:
            raise errors.not_found(request)
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.post("/api/chat")
    async def chat(request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        if faults.slow_ms:
            await asyncio.sleep(faults.slow_ms / 1000)
        ensure_up()
        if failures.next_fails():
            raise errors.internal_error()
        payload = await read_payload(request, ChatPayload)
        turn = await run_in_threadpool(service.chat, payload.session_id, payload.message)
        if faults.slow_intent and turn.reply.intent == faults.slow_intent[0]:
            await asyncio.sleep(faults.slow_intent[1] / 1000)
        if faults.lock_ms:
            async with lock:
                await asyncio.sleep(faults.lock_ms / 1000)
        elapsed = time.perf_counter() - started
        metrics.chat_answered(turn.reply.intent, elapsed, disclaimer=turn.reply.disclaimer)
        return turn.to_json()

    @app.post("/api/feedback", status_code=201)
    async def feedback(request: Request) -> dict[str, Any]:
        ensure_up()
        if faults.no_feedback:
            raise errors.not_found(request)
        payload = await read_payload(request, FeedbackPayload)
        feedback_id = await run_in_threadpool(
            service.feedback, payload.session_id, payload.rating, payload.comment
        )
        return {"status": "recorded", "feedback_id": feedback_id}

    @app.get("/api/leads/{reference}")
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
