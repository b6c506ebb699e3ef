"""``gangway worker``: runs the background jobs until SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from gangway.config import Settings


async def run_worker(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
