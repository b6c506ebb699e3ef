"""Schema building blocks shared by every endpoint: strict input models, the error envelope."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from gangway.errors import AppError


class StrictInput(BaseModel):
    """Request bodies: unknown fields rejected, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Strings are trimmed, so one that is only whitespace is empty: the pattern says so. It names every
# character any of the three parties counts as whitespace -- Python's strip() (also \x1c-\x1f and
# \x85), the Rust regex pydantic validates with, and ECMAScript's \s that clients and
# generators read the schema with (also \ufeff) -- so the document and the server agree.
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
NonEmptyStr = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK)
]


def without_null(*names: str, examples: list[dict[str, Any]] | None = None) -> Any:
    """A ``json_schema_extra`` for PATCH bodies: ``names`` may be left out but not ``null``
    (the model refuses an explicit ``null``), so their schema drops the ``null`` branch."""

    def extra(schema: dict[str, Any]) -> None:
        if examples:
            schema["examples"] = examples
        for name in names:
            prop = schema["properties"][name]
            branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
            if branches:
                prop.update(branches[0])

    return extra


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


_DESCRIPTIONS = {
    400: "Invalid request (`validation_error`)",
    401: "Missing, malformed, expired or revoked credentials (`unauthorized`)",
    404: "Unknown id, or an id that belongs to another partner (`not_found`)",
    409: "Idempotency-Key reused with another body or still running (`idempotency_conflict`)",
    410: "Expired or already used (`gone`)",
    413: "Body over the limit (`payload_too_large`)",
    422: "The object's state forbids this (`request_blocked`)",
    429: "Over the rate limit (`rate_limited`)",
    500: "A bug; the message quotes the request id (`internal_error`)",
}

_EXAMPLES = {
    400: {
        "code": "validation_error",
        "message": "The request is not valid.",
        "details": [{"field": "address.country_code", "message": "Unknown ISO 3166-1 code."}],
    },
    401: {"code": "unauthorized", "message": "The access token is invalid, expired or revoked."},
    404: {"code": "not_found", "message": "The requested resource was not found."},
    409: {
        "code": "idempotency_conflict",
        "message": "This Idempotency-Key was used with a different request.",
    },
    410: {"code": "gone", "message": "This link has expired."},
    413: {"code": "payload_too_large", "message": "The request body is too large."},
    422: {
        "code": "request_blocked",
        "message": "The individual should have one of the following statuses: onboarding_data_provided, activated, blocked",
    },
    429: {"code": "rate_limited", "message": "Too many requests; slow down."},
    500: {
        "code": "internal_error",
        "message": "An internal error occurred. Quote request id 3f2a... to support.",
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the listed error statuses (always with 500)."""
    result: dict[int | str, dict[str, Any]] = {}
    for status in (*statuses, 500):
        result[status] = {
            "model": ErrorEnvelope,
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"example": {"error": _EXAMPLES[status]}}},
        }
    return result


AUTHENTICATED = (400, 401, 429)

__all__ = [
    "AUTHENTICATED",
    "AppError",
    "ErrorEnvelope",
    "NonEmptyStr",
    "StrictInput",
    "error_responses",
]
