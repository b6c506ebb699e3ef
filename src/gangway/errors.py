"""One error type for the whole service; the handlers in ``web/errors.py`` render its envelope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class AppError(Exception):
    """An expected failure with a stable, public ``code``.

    Services raise these (never ``HTTPException``); the API renders
    ``{"error": {"code", "message", "details"?}}`` and the HTML pages a friendly page.
    """

    status: int = 400
    code: str = "bad_request"
    default_message: str = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = list(details)
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = [{"field": d.field, "message": d.message} for d in self.details]
        return {"error": error}


class ValidationFailed(AppError):
    status = 400
    code = "validation_error"
    default_message = "The request is not valid."


class TokenNotExpired(AppError):
    status = 400
    code = "token_not_expired"
    default_message = "The access token is still valid; refresh it after it expires."


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    default_message = "Missing, malformed, expired or revoked credentials."


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = "The requested resource was not found."


class MethodNotAllowed(AppError):
    status = 405
    code = "method_not_allowed"
    default_message = "This method is not allowed on this resource."


class IdempotencyConflict(AppError):
    status = 409
    code = "idempotency_conflict"
    default_message = "This Idempotency-Key was used with a different request."


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class Gone(AppError):
    status = 410
    code = "gone"
    default_message = "This link has expired."


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Send the request body as application/json."


class RequestBlocked(AppError):
    status = 422
    code = "request_blocked"
    default_message = "The object's state does not allow this request."

    @classmethod
    def needs_status(cls, noun: str, allowed: Sequence[str]) -> RequestBlocked:
        return cls(f"The {noun} should have one of the following statuses: {', '.join(allowed)}")


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests; slow down."


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    default_message = "The service is temporarily unavailable; please retry."
