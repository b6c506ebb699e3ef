"""Operational endpoints: liveness, readiness (database reachable) and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from gangway.errors import NotFound, Unauthorized
from gangway.observability import DB_UP, REGISTRY
from gangway.web.deps import SettingsDep

router = APIRouter(tags=["Operations"], include_in_schema=False)
log = logging.getLogger("gangway.readiness")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers, and the process is not draining for shutdown."""
    services = request.app.state.services
    if services.draining:
        return JSONResponse(
            {"error": {"code": "service_unavailable", "message": "Shutting down."}},
            status_code=503,
        )
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"
        DB_UP.set(0)
        log.warning("database not reachable", extra={"error": type(error).__name__})
        return JSONResponse(
            {"error": {"code": "service_unavailable", "message": "The database is not reachable."}},
            status_code=503,
        )
    DB_UP.set(1)
    body: dict[str, object] = {"status": "ready"}
    engine = services.verification_engine
    if engine is not None:
        # Reported, not required: without the engine, submissions wait in the verification queue.
        available, detail = engine.available()
        body["verification"] = {"engine": engine.name, "available": available, "detail": detail}
    return JSONResponse(body)


@router.get("/metrics")
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text exposition: with ``GANGWAY_METRICS_TOKEN`` set it needs
    ``Authorization: Bearer <token>``; without one it answers 404 in live (scrape the
    ``--metrics-port`` listener on 127.0.0.1 instead) and stays open in the sandbox."""
    expected = settings.metrics_token
    if expected:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        # Constant time over the bytes (compare_digest refuses non-ASCII str, bytes never).
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), expected.encode()
        ):
            raise Unauthorized(
                "Send 'Authorization: Bearer <metrics token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not settings.is_sandbox:
        raise NotFound()
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
