"""The delivery worker's life: started with the app (``gangway serve``) or alone (``gangway
worker``), until SIGTERM (then it drains in-flight sends).

Any number of workers may run against PostgreSQL (they claim with ``FOR UPDATE SKIP LOCKED`` and
are woken by LISTEN/NOTIFY); on SQLite one worker polls every ``GANGWAY_WORKER_POLL_SECONDS``.
What a worker runs besides deliveries is the list of periodic jobs it is given (the composition
root's ``PERIODIC_JOBS``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass

from gangway.services import Services
from gangway.webhooks.fanout import NOTIFY_CHANNEL
from gangway.worker.jobs import Periodic
from gangway.worker.listener import NotifyListener
from gangway.worker.loop import DeliveryWorker

log = logging.getLogger("gangway.worker")


@dataclass
class RunningWorker:
    worker: DeliveryWorker
    listener: NotifyListener | None


async def start_worker(services: Services, jobs: Sequence[Periodic]) -> RunningWorker:
    """Start the delivery loop (and, on PostgreSQL, the NOTIFY listener)."""
    worker = DeliveryWorker(services, jobs=jobs)
    services.wake_worker = worker.wake
    worker.start()
    listener = None
    if not services.settings.is_sqlite:
        listener = NotifyListener(services.settings.database_url, NOTIFY_CHANNEL, worker.wake)
        listener.start()
    return RunningWorker(worker, listener)


async def stop_worker(services: Services, running: RunningWorker) -> None:
    """Stop claiming, finish in-flight sends, close the listener."""
    if running.listener is not None:
        await running.listener.stop()
    await running.worker.stop()
    services.stop_waking()


async def run_worker(services: Services, jobs: Sequence[Periodic]) -> None:
    """``gangway worker``: run until SIGTERM or SIGINT, then drain and close ``services``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        running = await start_worker(services, jobs)
        log.info("worker started", extra={"concurrency": services.settings.worker_concurrency})
        await stop.wait()
        log.info("worker stopping: finishing in-flight deliveries")
        await stop_worker(services, running)
    finally:
        await services.aclose()
    log.info("worker stopped")
