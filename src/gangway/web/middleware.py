"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, access log and metrics,
security headers, body size limits."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gangway.errors import PayloadTooLarge
from gangway.observability import HTTP_LATENCY, HTTP_REQUESTS
from gangway.web.errors import render as render_error

log = logging.getLogger("gangway.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Assigns ``X-Request-Id`` (echoing a well-formed incoming one), logs and measures."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
            if route not in ("/healthz", "/metrics", "/readyz") or status >= 400:
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )


API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Strict headers on every response; HTML pages get a CSP without inline scripts."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault(
                    "Permissions-Policy", "camera=(self), geolocation=(), microphone=()"
                )
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=63072000")
                if path.startswith("/v3/docs"):
                    headers.setdefault("Content-Security-Policy", DOCS_CSP)
                elif headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", PAGE_CSP)
                else:
                    headers.setdefault("Content-Security-Policy", API_CSP)
                if path.startswith(("/v3/", "/flow", "/admin")):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413 before they are read into memory."""

    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        # A hosted-flow form carries at most two files plus a few fields.
        self.form_limit = upload_limit * 2 + 64 * 1024

    def _limit_for(self, path: str) -> int:
        # Only the hosted flow takes file uploads; the back office's forms are small.
        return self.form_limit if path.startswith("/flow") else self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = True
            if too_large:
                await _reject(scope, receive, send)
                return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge:
            if not response_started:
                await _reject(scope, receive, send)


async def _reject(scope: Scope, receive: Receive, send: Send) -> None:
    error = PayloadTooLarge(f"The request body is over the limit for {scope['path']}.")
    response: Response
    if scope["path"].startswith(("/flow", "/admin")) and "app" in scope:
        # Pages get their friendly HTML error page (bootstrap.HTML_ERROR_PAGES).
        response = render_error(Request(scope), error)
        response.headers["Connection"] = "close"
    else:
        response = JSONResponse(error.body(), status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)


def client_ip(scope: Scope | dict[str, Any]) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
