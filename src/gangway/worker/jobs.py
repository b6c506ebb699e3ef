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

# ``run(session, now, limit=n)`` deletes at most ``n`` rows and returns how many it did.
BatchFn = Callable[..., Awaitable[int]]


class BatchedPurgeTask:
    """Runs each ``(kind, run)`` in bounded batches, one short committed transaction per batch,
    until a batch comes back short (or ``max_batches`` ran: the rest waits for the next run).
    Each run logs one line per kind with its count, and a summary line."""

    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        purges: Sequence[tuple[str, BatchFn]],
        *,
        batch_size: int,
        max_batches: int = 200,
    ) -> None:
        self.name = name
        self.sessions = sessions
        self.purges = tuple(purges)
        self.batch_size = batch_size
        self.max_batches = max_batches

    async def run(self, now: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind, purge in self.purges:
            total = batches = 0
            while batches < self.max_batches:
                async with transaction(self.sessions) as session:
                    done = await purge(session, now, limit=self.batch_size)
                total += done
                batches += 1
                if done < self.batch_size:
                    break
            counts[kind] = total
            log.info(
                "purged",
                extra={"job": self.name, "kind": kind, "count": total, "batches": batches},
            )
        log.info(
            "purge run finished",
            extra={"job": self.name, "counts": counts, "total": sum(counts.values())},
        )
        return counts


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
