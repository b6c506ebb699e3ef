"""Plugs webhooks into the app and the worker.

Importing this module registers the outbox fan-out (event subscriber) and the queue-metrics job.
``install`` adds the router and, when ``gangway serve`` runs with its embedded worker, starts and
stops the delivery loop with the app.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.web.runtime import Runtime
from gangway.webhooks import fanout as fanout  # registers the event subscriber
from gangway.webhooks import metrics
from gangway.webhooks.delivery import oldest_due_age
from gangway.webhooks.endpoints import router
from gangway.worker.jobs import register_periodic


async def update_queue_metrics(session: AsyncSession, now: datetime) -> None:
    metrics.OLDEST_DUE_AGE.set(await oldest_due_age(session, now))


def install(app: FastAPI, runtime: Runtime) -> None:
    from gangway.worker.main import start_worker, stop_worker

    app.include_router(router)

    async def on_start(_app: FastAPI, rt: Runtime) -> None:
        if rt.extras.get("run_worker"):
            await start_worker(rt)

    async def on_stop(_app: FastAPI, rt: Runtime) -> None:
        await stop_worker(rt)

    app.state.on_start.append(on_start)
    app.state.on_stop.append(on_stop)


register_periodic("webhooks.queue_metrics", 15, update_queue_metrics)
