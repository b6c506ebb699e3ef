"""The unit of work: a session whose transaction is committed or rolled back here, at the edge.

Services and repositories only ``flush()``; request dependencies, worker jobs and CLI commands
open a scope with :func:`transaction` and the commit happens when the scope ends without error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
