"""Operations: periodic jobs, the ``gangway webhooks`` CLI and the metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.bootstrap import periodic_jobs
from gangway.db.session import transaction
from gangway.models import WebhookDelivery
from gangway.services import Services
from gangway.webhooks.delivery import Outcome
from gangway.worker.jobs import PeriodicJob, PeriodicRunner
from tests.conftest import ROOT, TEST_SECRET, PartnerHandle
from tests.webhooks.conftest import Receiver, create_endpoint, deliver, record_event


async def test_periodic_jobs_run_once_per_interval(services) -> None:  # type: ignore[no-untyped-def]
    calls: list[datetime] = []

    async def job(session: AsyncSession, now: datetime) -> None:
        calls.append(now)

    async def broken(session: AsyncSession, now: datetime) -> None:
        raise RuntimeError("boom")

    ticks = [0.0]
    runner = PeriodicRunner(
        services.sessions,
        services.clock,
        jobs=[PeriodicJob("job", 10, job), PeriodicJob("broken", 10, broken)],
        monotonic=lambda: ticks[0],
    )
    assert await runner.run_due() == ["job", "broken"]  # a failing job does not stop the others
    ticks[0] = 9.9
    assert await runner.run_due() == []
    ticks[0] = 10.0
    assert await runner.run_due() == ["job", "broken"]
    assert calls == [services.clock.now(), services.clock.now()]


async def test_a_job_that_writes_deliveries_wakes_the_worker(services) -> None:  # type: ignore[no-untyped-def]
    woken: list[bool] = []

    async def writes(session: AsyncSession, now: datetime) -> None:
        session.info["wrote_deliveries"] = True

    runner = PeriodicRunner(
        services.sessions,
        services.clock,
        jobs=[PeriodicJob("w", 60, writes)],
        wake=lambda: woken.append(True),
    )
    await runner.run_due()
    assert woken == [True]


def test_the_jobs_include_the_retention_purge_and_bad_intervals_are_refused(
    services: Services,
) -> None:
    names = {job.name for job in periodic_jobs(services)}
    assert {"retention.purge", "webhooks.queue_metrics"} <= names
    with pytest.raises(ValueError):
        PeriodicJob("never", 0, lambda session, now: None)  # type: ignore[arg-type,return-value]


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANGWAY_")}
    env.update(GANGWAY_DATABASE_URL=database_url, GANGWAY_SECRET_KEY=TEST_SECRET)
    return subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "webhooks", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


async def test_cli_lists_failed_deliveries_and_retries_one(
    services, database_url, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    await record_event(services, partner.partner_id)
    async with transaction(services.read_sessions) as session:
        first, second = list(await session.scalars(select(WebhookDelivery.id)))
    receiver.status = 500
    for _ in range(8):
        await deliver(services, first)
        services.clock.advance(hours=11)
    assert await deliver(services, second) == Outcome.retrying

    listed = _cli(database_url, "deliveries", "--failed")
    assert listed.returncode == 0, listed.stderr
    assert str(first) in listed.stdout and str(second) not in listed.stdout
    assert "HTTP 500" in listed.stdout and endpoint["url"] in listed.stdout
    everything = _cli(database_url, "deliveries")
    assert str(first) in everything.stdout and str(second) in everything.stdout

    retried = _cli(database_url, "retry", str(first))
    assert retried.returncode == 0, retried.stderr
    async with transaction(services.read_sessions) as session:
        delivery = await session.get(WebhookDelivery, first)
    assert delivery is not None and delivery.status == "pending" and delivery.attempt_count == 0
    receiver.status = 200
    assert await deliver(services, first) == Outcome.succeeded

    unknown = _cli(database_url, "retry", str(uuid.uuid4()))
    assert unknown.returncode != 0 and "No delivery" in unknown.stderr
    assert _cli(database_url, "retry", "nope").returncode != 0


async def test_metrics_count_attempts_and_outcomes(
    services, client, partner: PartnerHandle, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    async with transaction(services.read_sessions) as session:
        delivery_id = await session.scalar(select(WebhookDelivery.id))
    await deliver(services, delivery_id)
    text = (await client.get("/metrics")).text
    for name in (
        "gangway_webhook_attempts_total",
        "gangway_webhook_deliveries_succeeded_total",
        "gangway_webhook_attempts_failed_total",
        "gangway_webhook_delivery_latency_seconds_bucket",
        "gangway_webhook_oldest_due_delivery_age_seconds",
    ):
        assert name in text
