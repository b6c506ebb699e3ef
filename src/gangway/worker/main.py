"""``gangway worker``: webhook delivery and periodic jobs until SIGTERM (then drains in-flight sends).

Any number of workers may run against PostgreSQL (they claim with ``FOR UPDATE SKIP LOCKED`` and
are woken by LISTEN/NOTIFY); on SQLite one worker polls every ``GANGWAY_WORKER_POLL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from typing import Any

from gangway.config import Settings
from gangway.web.runtime import Runtime

log = logging.getLogger("gangway.worker")

# Modules whose import registers event subscribers and periodic jobs.
PLUGIN_MODULES = (
    "gangway.webhooks.wiring",
    "gangway.pending_actions.wiring",
    "gangway.onboarding.wiring",
)


def load_plugins() -> None:
    for name in PLUGIN_MODULES:
        importlib.import_module(name)


async def start_worker(runtime: Runtime) -> Any:
    """Start the delivery loop (and, on PostgreSQL, the NOTIFY listener) for ``runtime``."""
    load_plugins()
    from gangway.webhooks.fanout import NOTIFY_CHANNEL
    from gangway.worker.listener import NotifyListener
    from gangway.worker.loop import DeliveryWorker

    worker = DeliveryWorker(runtime)
    runtime.wake_worker = worker.wake
    worker.start()
    listener = None
    if not runtime.settings.is_sqlite:
        listener = NotifyListener(runtime.settings.database_url, NOTIFY_CHANNEL, worker.wake)
        listener.start()
    runtime.extras["delivery_worker"] = (worker, listener)
    return worker


async def stop_worker(runtime: Runtime) -> None:
    """Stop claiming, finish in-flight sends, close the listener and the HTTP pool."""
    started = runtime.extras.pop("delivery_worker", None)
    if started is not None:
        worker, listener = started
        if listener is not None:
            await listener.stop()
        await worker.stop()
        runtime.wake_worker = lambda: None
    courier = runtime.extras.pop("webhook_courier", None)
    if courier is not None:
        await courier.aclose()


async def run_worker(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime.build(settings)
    try:
        await start_worker(runtime)
        log.info("worker started", extra={"concurrency": settings.worker_concurrency})
        await stop.wait()
        log.info("worker stopping: finishing in-flight deliveries")
        await stop_worker(runtime)
    finally:
        await runtime.engine.dispose()
    log.info("worker stopped")
