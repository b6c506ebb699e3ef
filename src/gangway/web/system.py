"""Operational endpoints: liveness, readiness (database reachable) and Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from gangway.observability import DB_UP, REGISTRY

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
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
