"""Helpers for commands: run a coroutine in one committed transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from gangway.bootstrap import build_services
from gangway.config import get_settings
from gangway.db.session import transaction
from gangway.services import Services

T = TypeVar("T")


def run_in_transaction(work: Callable[[AsyncSession, Services], Awaitable[T]]) -> T:
    """``work(session, services)`` in one transaction, committed when it returns."""

    async def main() -> T:
        services = build_services(get_settings())
        try:
            async with transaction(services.sessions) as session:
                return await work(session, services)
        finally:
            await services.aclose()

    return asyncio.run(main())
