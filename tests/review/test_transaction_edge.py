"""The back office's dependencies open no write transaction of their own."""

from __future__ import annotations

import asyncio
from typing import Any

from gangway.db.session import transaction


async def test_a_back_office_page_does_not_wait_for_another_writer(
    app: Any, services: Any, make_staff: Any
) -> None:
    """StaffDep reads in the request's unit of work: a GET page is served while another task
    holds the write transaction (on SQLite the write gate)."""
    reviewer = await make_staff("reviewer")
    holding = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with transaction(services.sessions):
            holding.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await holding.wait()
    try:
        async with asyncio.timeout(5):
            page = await reviewer.http.get("/admin/queue")
        assert page.status_code == 200
    finally:
        release.set()
        await task
