"""The unit of work: a session whose transaction is committed or rolled back here, at the edge.

Services and repositories only ``flush()``; request dependencies, worker jobs and CLI commands
open a scope with :func:`transaction` and the commit happens when the scope ends without error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

WRITE_GATE = "write_gate"
GATE_TIMEOUT_SECONDS = 30


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    gate: asyncio.Lock | None = factory.kw.get("info", {}).get(WRITE_GATE)
    if gate is None:
        async with factory() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
        return
    try:
        await asyncio.wait_for(gate.acquire(), GATE_TIMEOUT_SECONDS)
    except TimeoutError:
        # Like SQLite's own "database is locked": most likely a write transaction opened while
        # the same task already holds one.
        raise RuntimeError("timed out waiting for the SQLite write gate") from None
    try:
        async with factory() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
    finally:
        gate.release()
