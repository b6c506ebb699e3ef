"""The bare baseline for bench/api.py: a minimal Starlette app doing the same single INSERT
(and SELECT by id) with the same async driver, no auth, validation, idempotency or rate limits."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DATABASE_URL = os.environ["BASELINE_DATABASE_URL"]
engine = create_async_engine(
    DATABASE_URL,
    **({} if DATABASE_URL.startswith("sqlite") else {"pool_size": 10, "max_overflow": 10}),
)


async def startup() -> None:
    async with engine.begin() as connection:
        if DATABASE_URL.startswith("sqlite"):
            await connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        await connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS baseline_individuals (id VARCHAR(36) PRIMARY KEY, "
                "body TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)"
            )
        )


async def create(request: Request) -> JSONResponse:
    body = await request.json()
    row_id = str(uuid.uuid4())
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO baseline_individuals (id, body, created_at) VALUES (:id, :body, :at)"
            ),
            {"id": row_id, "body": json.dumps(body), "at": datetime.now(UTC).isoformat()},
        )
    return JSONResponse({"id": row_id, **body}, status_code=201)


async def get(request: Request) -> JSONResponse:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT id, body FROM baseline_individuals WHERE id = :id"),
                {"id": request.path_params["row_id"]},
            )
        ).first()
    if row is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"id": row.id, **json.loads(row.body)})


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    await startup()
    yield
    await engine.dispose()


app = Starlette(
    routes=[Route("/individuals", create, methods=["POST"]), Route("/individuals/{row_id}", get)],
    lifespan=lifespan,
)
