"""Every error becomes the spec's envelope (or, on HTML pages, a friendly page)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, DisconnectionError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from gangway.errors import (
    AppError,
    FieldError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from gangway.web.idempotency import IdempotencyStore, KeyAlreadyUsed

log = logging.getLogger("gangway.errors")

HtmlErrorRenderer = Callable[[Request, AppError], Response]

_MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "This field is not allowed.",
    "json_invalid": "The body is not valid JSON.",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict[str, Any]]) -> list[FieldError]:
    details = []
    for err in errors:
        kind = err.get("type", "")
        message = _MESSAGES.get(kind) or str(err.get("msg", "Invalid value."))
        message = message.removeprefix("Value error, ")
        details.append(FieldError(_field_path(tuple(err.get("loc", ()))), message))
    return details


def _status_error(status: int, detail: Any) -> AppError:
    if status == 400:
        # FastAPI's own 400s come from bodies it could not parse (bad encoding, bad JSON).
        return ValidationFailed("The body could not be parsed as JSON.")
    if status == 404:
        return NotFound()
    if status == 405:
        return MethodNotAllowed()
    if status == 413:
        return PayloadTooLarge()
    if status == 415:
        return UnsupportedMediaType()
    error = AppError(str(detail) if detail else None)
    error.status = status
    error.code = "bad_request" if status < 500 else "internal_error"
    return error


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path.

    Starlette answers 405 from the first route whose path matches and lists only *its* methods;
    ``GET /v3/webhooks`` and ``POST /v3/webhooks`` are two routes, so ``Allow`` needs them all.
    Routers nest (included routers), so each method is tried against the whole route list.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def render(request: Request, error: AppError) -> Response:
    renderers: dict[str, HtmlErrorRenderer] = getattr(request.app.state, "html_errors", {})
    for prefix, renderer in renderers.items():
        if request.url.path.startswith(prefix):
            return renderer(request, error)
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


_UNAVAILABLE_DRIVER_ERRORS = frozenset(
    {
        # asyncpg, when the server goes away, restarts, or refuses connections for a while
        "AdminShutdownError",
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "InternalClientError",
        "InterfaceError",
        "ObjectNotInPrerequisiteStateError",
        "TooManyConnectionsError",
    }
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be reached (answered 503, not 500)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (DisconnectionError, OSError, TimeoutError)):
            return True
        if type(current).__name__ in _UNAVAILABLE_DRIVER_ERRORS:
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def install_error_handlers(app: FastAPI, *, idempotency: IdempotencyStore) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return render(request, exc)

    @app.exception_handler(KeyAlreadyUsed)
    async def _key_used(request: Request, exc: KeyAlreadyUsed) -> Response:
        return await idempotency.answer_for_existing_key(exc.claim)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return render(request, ValidationFailed("The body is not valid JSON."))
        return render(request, ValidationFailed(details=validation_details(errors)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, AppError):
            # FastAPI wraps errors raised while reading the body (e.g. the size limit) in a 400.
            return render(request, exc.__cause__)
        error = _status_error(exc.status_code, exc.detail)
        if exc.headers:
            error.headers.update(exc.headers)
        if exc.status_code == 405:
            methods = allowed_methods(request)
            if methods:
                error.headers["Allow"] = ", ".join(methods)
        return render(request, error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        request_id = request.scope.get("state", {}).get("request_id", "unknown")
        if database_unavailable(exc):
            log.warning(
                "database unavailable",
                extra={"request_id": request_id, "error": type(exc).__name__},
            )
            unavailable = ServiceUnavailable(headers={"Retry-After": "2"})
            response = render(request, unavailable)
            response.headers["X-Request-Id"] = request_id
            return response
        log.exception("unhandled error", extra={"request_id": request_id})
        error = AppError(f"An internal error occurred. Quote request id {request_id} to support.")
        error.status = 500
        error.code = "internal_error"
        response = render(request, error)
        response.headers["X-Request-Id"] = request_id
        return response
