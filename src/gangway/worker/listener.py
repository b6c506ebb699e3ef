"""PostgreSQL LISTEN: wakes a worker as soon as another process commits new deliveries.

Polling stays on as the fallback; if the listening connection drops it is re-opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("gangway.worker.listener")
RECONNECT_SECONDS = 5.0


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class NotifyListener:
    def __init__(self, database_url: str, channel: str, on_notify: Callable[[], None]) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.channel = channel
        self.on_notify = on_notify
        self._connection: Any = None
        self._task: asyncio.Task[None] | None = None

    def _callback(self, *_args: Any) -> None:
        self.on_notify()

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        await connection.add_listener(self.channel, self._callback)
        self._connection = connection
        # Anything committed while we were not listening is picked up by this extra wake.
        self.on_notify()

    async def _keep_listening(self) -> None:
        while True:
            if self._connection is None or self._connection.is_closed():
                try:
                    await self._connect()
                except (OSError, asyncpg.PostgresError) as error:
                    log.warning("LISTEN connection failed", extra={"error": type(error).__name__})
            await asyncio.sleep(RECONNECT_SECONDS)

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_listening(), name="gangway-notify-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None and not self._connection.is_closed():
            with contextlib.suppress(Exception):
                await self._connection.close(timeout=2)
