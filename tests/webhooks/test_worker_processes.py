"""Real ``gangway worker`` processes: crash safety (SIGKILL mid-delivery) and scale-out."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from gangway.db.session import transaction
from gangway.events import service as events
from gangway.models import EventName, WebhookDelivery
from tests.conftest import ROOT, TEST_SECRET, PartnerHandle
from tests.webhooks.conftest import Receiver, create_endpoint


def _worker_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANGWAY_")}
    env.update(
        GANGWAY_DATABASE_URL=database_url,
        GANGWAY_SECRET_KEY=TEST_SECRET,
        GANGWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        GANGWAY_WORKER_POLL_SECONDS="0.2",
        GANGWAY_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


class Workers:
    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, database_url: str, **extra: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "gangway.cli.main", "worker"],
            cwd=ROOT,
            env=_worker_env(database_url, **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.processes.append(process)
        return process


@pytest.fixture
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    for process in started.processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


async def _record_many(services, partner_id: str, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    async with transaction(services.sessions) as session:
        for _ in range(count):
            event = await events.record(
                session,
                partner_id=uuid.UUID(partner_id),
                individual_id=uuid.uuid4(),
                name=EventName.IndividualActivated,
                now=services.clock.now(),
                status="activated",
            )
            ids.append(str(event.id))
    return ids


async def _wait_until(predicate, within: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _succeeded_count(services) -> int:  # type: ignore[no-untyped-def]
    async with transaction(services.read_sessions) as session:
        return int(
            await session.scalar(select(func.count()).where(WebhookDelivery.status == "succeeded"))
            or 0
        )


async def test_killed_worker_loses_no_event(
    services, database_url, partner: PartnerHandle, receiver: Receiver, workers: Workers
) -> None:
    await create_endpoint(partner, receiver.url)
    event_ids = await _record_many(services, partner.partner_id, 1000)
    receiver.delay_seconds = 0.02  # slow enough that the kill lands mid-way

    first = workers.start(
        database_url, GANGWAY_WORKER_CONCURRENCY="4", GANGWAY_WORKER_LEASE_SECONDS="5"
    )
    await _wait_until(lambda: receiver.count() >= 100, 60, "the first worker to start sending")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = receiver.count()
    assert at_kill < 1000, "the worker finished before it was killed; the test proves nothing"

    receiver.delay_seconds = 0.0
    second = workers.start(database_url, GANGWAY_WORKER_LEASE_SECONDS="5")
    await _wait_until(
        lambda: set(event_ids) <= set(receiver.ids()), 90, "every event to reach the receiver"
    )
    for _ in range(500):
        if await _succeeded_count(services) == 1000:
            break
        await asyncio.sleep(0.02)
    assert await _succeeded_count(services) == 1000
    duplicates = sum(n - 1 for n in Counter(receiver.ids()).values())
    print(f"\ncrash safety: killed after {at_kill} receipts; {duplicates} duplicates, 0 missing")

    second.send_signal(signal.SIGTERM)  # graceful shutdown exits cleanly
    assert second.wait(timeout=30) == 0


@pytest.mark.postgres_only
async def test_two_workers_share_the_work_without_losing_events(
    services,
    database_url,
    is_postgres,
    partner: PartnerHandle,
    receiver: Receiver,
    workers: Workers,
) -> None:
    if not is_postgres:
        pytest.skip("several workers need PostgreSQL (FOR UPDATE SKIP LOCKED)")
    await create_endpoint(partner, receiver.url)
    workers.start(database_url)
    workers.start(database_url)
    event_ids: list[str] = []
    for _ in range(20):  # committed in batches while the workers run (LISTEN/NOTIFY wakes them)
        event_ids += await _record_many(services, partner.partner_id, 100)
    await _wait_until(
        lambda: set(event_ids) <= set(receiver.ids()), 90, "every event to reach the receiver"
    )
    counts = Counter(receiver.ids())
    duplicates = sum(n - 1 for n in counts.values())
    print(f"\nscale-out: 2 workers, {len(event_ids)} events, {duplicates} duplicates, 0 missing")
    assert len(counts) == 2000
    assert duplicates == 0
    for process in workers.processes:
        process.send_signal(signal.SIGTERM)
    assert [p.wait(timeout=30) for p in workers.processes] == [0, 0]
