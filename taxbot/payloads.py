"""What clients may POST, and how a request body becomes a validated payload.

Every check fails with an ApiError that names the field and the rule, in the order a client
would fix them: content type (415), size (413), JSON syntax (400), then fields (422).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from taxbot.errors import ApiError

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 2000
MAX_COMMENT_CHARS = 1000


class Payload(BaseModel):
    """Strict JSON payload: no coercion ("5" is not 5, true is not 1); unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        # JSON can smuggle lone surrogates ("\ud800") that no database or page can store;
        # pydantic rejects them in plain str fields but not inside ``str | None``.
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError("string_unicode", "invalid Unicode text") from None
        return value


class ChatPayload(Payload):
    session_id: Annotated[str | None, Field(description="a string from an earlier reply")] = None
    message: Annotated[
        str,
        Field(
            max_length=MAX_MESSAGE_CHARS,
            description=f"a non-empty string of at most {MAX_MESSAGE_CHARS} characters",
            json_schema_extra={"pattern": r"\S"},  # not blank; checked by _not_blank
        ),
    ]

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank", "blank message")
        return value


class FeedbackPayload(Payload):
    session_id: Annotated[str, Field(description="a string from a chat reply")]
    rating: Annotated[int, Field(ge=1, le=5, description="an integer from 1 to 5")]
    comment: Annotated[
        str | None,
        Field(
            max_length=MAX_COMMENT_CHARS,
            description=f"a string of at most {MAX_COMMENT_CHARS} characters",
        ),
    ] = None


P = TypeVar("P", bound=Payload)


async def read_payload(request: Request, model: type[P]) -> P:
    """Read, parse and validate a JSON body without ever reading more than the size limit."""
    _check_content_type(request)
    body = await _read_bounded(request)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        message = f"The request body is not valid JSON: {_why(exc)}."
        raise ApiError(400, "invalid_json", message) from None
    if not isinstance(data, dict):
        raise ApiError(
            400, "invalid_json", 'The request body must be a JSON object, like {"message": "Hi"}.'
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_error(model, exc) from None


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return "its text encoding is invalid (send UTF-8)"
    return "a number in it has too many digits"  # int() refuses over 4300 digits


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        shown = content_type or "none"
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be application/json (got {shown!r}).",
        )


async def _read_bounded(request: Request) -> bytes:
    too_large = ApiError(
        413, "payload_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes."
    )
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared[:20]) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)


def _field_error(model: type[Payload], exc: ValidationError) -> ApiError:
    """Turn pydantic's first error into one sentence naming the field and what it must be."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else None
    rule = model.model_fields[field].description if field in model.model_fields else None
    kind = error["type"]
    if kind == "missing":
        message = f"Field '{field}' is required: {rule}."
    elif kind == "blank":
        message = f"Field '{field}' must not be empty or only whitespace."
    elif kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        message = f"Field '{field}' is too long: {len(error['input'])} characters (limit {limit})."
    elif kind == "string_unicode":
        message = f"Field '{field}' contains invalid Unicode text (a lone surrogate)."
    else:
        message = f"Field '{field}' must be {rule}."
    return ApiError(422, "invalid_field", message, field)
