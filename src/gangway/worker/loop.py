"""The delivery loop: claim due deliveries, send them concurrently, run periodic jobs.

The same loop runs embedded in ``gangway serve`` and in ``gangway worker`` processes. It is a thin
job around ``webhooks.delivery.Courier.deliver``: all state lives in the database, so a killed
worker loses nothing (its claims come due again when their lease ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Row

from gangway.services import Services
from gangway.webhooks.delivery import Courier, claim_due
from gangway.webhooks.sender import SEND_TIMEOUT_SECONDS
from gangway.worker.jobs import Periodic, PeriodicRunner

log = logging.getLogger("gangway.worker")

# How long stop() lets in-flight sends finish (a send gives up after 15 s).
DRAIN_SECONDS = SEND_TIMEOUT_SECONDS + 10


class DeliveryWorker:
    def __init__(
        self,
        services: Services,
        *,
        jobs: Sequence[Periodic] = (),
        courier: Courier | None = None,
    ) -> None:
        settings = services.settings
        self.services = services
        self.courier = courier or services.webhook_courier
        self.concurrency = settings.worker_concurrency
        self.batch_size = settings.worker_batch_size
        self.poll_seconds = settings.worker_poll_seconds
        self.lease = timedelta(seconds=settings.worker_lease_seconds)
        self._wake = asyncio.Event()
        self.periodic = (
            PeriodicRunner(services.sessions, services.clock, jobs, wake=self.wake)
            if jobs
            else None
        )
        self._stopping = False
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Claim now instead of at the next poll (called after commits that wrote deliveries)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="gangway-delivery-worker")

    async def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Stop claiming, let in-flight sends finish (bounded), then return."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._inflight:
            _done, pending = await asyncio.wait(self._inflight, timeout=drain_seconds)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("deliveries cut off at shutdown", extra={"count": len(pending)})

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            claimed_full_batch = False
            try:
                if self.periodic is not None:
                    await self.periodic.run_due()
                free = self.concurrency - len(self._inflight)
                if free > 0:
                    limit = min(self.batch_size, free)
                    claimed = await claim_due(
                        self.services.sessions,
                        self.services.clock.now(),
                        limit=limit,
                        lease=self.lease,
                    )
                    # One read for the batch instead of one per delivery (if it fails, each
                    # delivery reads for itself rather than waiting out its lease).
                    try:
                        loaded = await self.courier.load(claimed)
                    except Exception:
                        log.exception("loading the claimed deliveries failed")
                        loaded = {}
                    for delivery_id in claimed:
                        self._spawn(delivery_id, loaded.get(delivery_id))
                    claimed_full_batch = len(claimed) == limit
            except Exception:
                log.exception("delivery loop error; retrying after the poll interval")
            if self._stopping:
                break
            if claimed_full_batch and len(self._inflight) < self.concurrency:
                continue  # more may be due right away
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    def _spawn(self, delivery_id: uuid.UUID, loaded: Row[Any] | None) -> None:
        task = asyncio.create_task(self._deliver(delivery_id, loaded))
        self._inflight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        # Refill in batches: wake the loop once half of the slots are free again.
        if len(self._inflight) <= self.concurrency // 2:
            self._wake.set()

    async def _deliver(self, delivery_id: uuid.UUID, loaded: Row[Any] | None) -> None:
        try:
            await self.courier.deliver(delivery_id, loaded)
        except Exception:
            # The claim's lease runs out and the delivery is tried again.
            log.exception("delivery crashed", extra={"delivery_id": str(delivery_id)})
