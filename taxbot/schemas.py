"""The shapes taxbot answers with, so ``/openapi.json`` describes the real API: request bodies
(from the payload models), every success body and the one error shape with each status an
endpoint can answer. API fuzzing (schemathesis) holds the server to this document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from taxbot.payloads import Payload


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Answer):
    code: str
    message: str
    field: str | None


class ErrorBody(_Answer):
    error: ErrorDetail


class LeadState(_Answer):
    stage: Literal["none", "discovery", "collecting", "qualified", "disqualified"]
    missing: list[str]
    reference: str | None


class ChatReply(_Answer):
    session_id: str
    reply: str
    intent: str
    handoff: bool
    lead: LeadState


class FeedbackRecorded(_Answer):
    status: Literal["recorded"]
    feedback_id: int


class StoredFeedback(_Answer):
    feedback_id: int
    rating: int
    created_at: str


class Health(_Answer):
    status: Literal["ok"]


class Ready(_Answer):
    status: Literal["ready", "unready"]
    database: str


class Version(_Answer):
    name: str
    version: str


class LeadRecord(_Answer):
    reference: str
    stage: Literal["qualified"]
    created_at: str
    fields: list[str]


ERRORS = {
    400: "the body is not JSON, or not a JSON object (code invalid_json)",
    404: "unknown session_id (unknown_session), lead reference or path (not_found)",
    413: "the body is over 64 KiB (payload_too_large)",
    415: "the Content-Type is not application/json (unsupported_media_type)",
    422: "a field is missing, of the wrong type or out of range (invalid_field)",
    500: "an internal error (internal_error)",
    503: "taxbot is unavailable (unavailable)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses of an endpoint, all in the one error shape."""
    return {status: {"model": ErrorBody, "description": ERRORS[status]} for status in statuses}


def request_body(model: type[Payload]) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint that reads its JSON body itself (``read_payload``)."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
