"""Helpers for commands: run a coroutine in one committed transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from gangway.config import get_settings
from gangway.db.session import transaction
from gangway.web.runtime import Runtime

T = TypeVar("T")


def run_in_transaction(work: Callable[[AsyncSession, Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        runtime = Runtime.build(get_settings())
        try:
            async with transaction(runtime.sessions) as session:
                return await work(session, runtime)
        finally:
            await runtime.engine.dispose()

    return asyncio.run(main())
