"""Periodic jobs, run by every worker.

``PeriodicJob("pending_actions.expire", 60, expire_due)`` (listed in ``gangway.bootstrap``) makes
each worker call ``await expire_due(session, now)`` about every 60 s, in its own committed
transaction. Several workers may run the same job at about the same time, so jobs must be
idempotent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gangway.db.session import transaction
from gangway.kit.clock import Clock

log = logging.getLogger("gangway.worker.jobs")

PeriodicFn = Callable[[AsyncSession, datetime], Awaitable[Any]]


@dataclass(frozen=True)
class PeriodicJob:
    """``run(session, now)`` every ``interval_seconds``; it must only flush, never commit."""

    name: str
    interval_seconds: float
    run: PeriodicFn

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")


@dataclass(frozen=True)
class PeriodicTask:
    """``run(now)`` every ``interval_seconds`` for work that opens its own short transactions
    (a long computation between them, like a verification run). It must be idempotent too."""

    name: str
    interval_seconds: float
    run: Callable[[datetime], Awaitable[Any]]

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")


Periodic = PeriodicJob | PeriodicTask


class PeriodicRunner:
    """Runs each job when its interval has passed (first run at start-up)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        jobs: Sequence[Periodic],
        monotonic: Callable[[], float] = time.monotonic,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.wake = wake  # called after a job's commit that wrote webhook deliveries
        self.clock = clock
        self._jobs = list(jobs)
        self._monotonic = monotonic
        self._last_run: dict[str, float] = {}

    async def run_due(self) -> list[str]:
        """Run the jobs that are due; a failing job is logged and retried at its next interval."""
        ran = []
        for job in self._jobs:
            last = self._last_run.get(job.name)
            now_mono = self._monotonic()
            if last is not None and now_mono - last < job.interval_seconds:
                continue
            self._last_run[job.name] = now_mono
            try:
                if isinstance(job, PeriodicTask):
                    await job.run(self.clock.now())
                    if self.wake is not None:
                        self.wake()  # it may have recorded events (an auto-approval)
                else:
                    async with transaction(self.sessions) as session:
                        await job.run(session, self.clock.now())
                    if session.info.get("wrote_deliveries") and self.wake is not None:
                        self.wake()
            except Exception:
                log.exception("periodic job failed", extra={"job": job.name})
            ran.append(job.name)
        return ran
