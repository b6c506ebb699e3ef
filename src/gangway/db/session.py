"""The unit of work: a session whose transaction is committed or rolled back here, at the edge.

Services and repositories only ``flush()``; request dependencies, worker jobs and CLI commands
open a scope with :func:`transaction` and the commit happens when the scope ends without error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")
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


class GroupCommit(Generic[T]):
    """Group commit: units of work submitted concurrently share as few transactions as possible.

    :meth:`run` queues a unit (a function of the session) and returns its result once it is
    committed. One task drains the queue: a lone unit commits at once, and whatever queues while a
    transaction is being written goes into the next one (at most ``max_batch``), so a burst
    commits in a few transactions instead of one each -- on SQLite, a few turns of the write gate.
    If a batch fails, its units run again one transaction each, so one bad unit cannot undo the
    others. Units must therefore be safe to run again after a rollback.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession], *, max_batch: int) -> None:
        self.factory = factory
        self.max_batch = max_batch
        self._queue: list[tuple[Callable[[AsyncSession], Awaitable[T]], asyncio.Future[T]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, unit: Callable[[AsyncSession], Awaitable[T]]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((unit, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="gangway-group-commit")
        return await future

    async def drained(self) -> None:
        """Wait until every queued unit is written (at shutdown)."""
        if self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                await self._write(batch)
        finally:
            self._drainer = None

    async def _write(
        self, batch: list[tuple[Callable[[AsyncSession], Awaitable[T]], asyncio.Future[T]]]
    ) -> None:
        try:
            async with transaction(self.factory) as session:
                results = [await unit(session) for unit, _ in batch]
        except Exception as error:
            if len(batch) > 1:
                for item in batch:
                    await self._write([item])
            elif not batch[0][1].done():
                batch[0][1].set_exception(error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # its caller may have been cancelled meanwhile
                future.set_result(result)
