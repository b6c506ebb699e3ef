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


class NestedWriteTransaction(RuntimeError):
    """A task asked for a write transaction while it already holds the SQLite write gate: it would
    wait for itself. Raised at once instead of after the gate's timeout."""


class WriteGate:
    """An asyncio lock that knows which task holds it (SQLite admits one writer per database)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise NestedWriteTransaction(
                "a write transaction was opened while this task holds one (see "
                "docs/CONVENTIONS.md, Transactions)"
            )
        try:
            await asyncio.wait_for(self._lock.acquire(), GATE_TIMEOUT_SECONDS)
        except TimeoutError:
            # Like SQLite's own "database is locked".
            raise RuntimeError("timed out waiting for the SQLite write gate") from None
        self._holder = task

    def release(self) -> None:
        self._holder = None
        self._lock.release()


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    gate: WriteGate | None = factory.kw.get("info", {}).get(WRITE_GATE)
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
    await gate.acquire()
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
