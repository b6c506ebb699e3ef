"""Delivering one webhook (the fat function the worker calls) and claiming due deliveries.

``deliver`` never holds a database transaction across the HTTP call: it reads in a short read-only
scope, sends, then records the attempt and the outcome in a short write scope. It is idempotent:
a delivery that is no longer ``pending`` is skipped. The write scopes of concurrent deliveries are
grouped (``db.session.GroupCommit``): a burst commits its outcomes in a few transactions instead of one
per delivery, and each ``deliver`` still returns only once its outcome is committed.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gangway.db.session import GroupCommit, transaction
from gangway.kit.clock import Clock
from gangway.kit.timefmt import iso_millis
from gangway.models import (
    DeliveryStatus,
    EndpointStatus,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from gangway.webhooks import metrics
from gangway.webhooks.sender import FailureKind, SendResult, WebhookSender
from gangway.webhooks.service import fail_pending
from gangway.webhooks.signing import SecretBox, signature_headers

log = logging.getLogger("gangway.webhooks")

# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery is `failed`.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_JITTER = 0.10
DISABLE_AFTER_FAILING = timedelta(days=5)
# Outcomes written per transaction at most (a burst's queue is cut into such batches).
MAX_RESULT_BATCH = 100

_deliveries = cast(Table, WebhookDelivery.__table__)
_endpoints = cast(Table, WebhookEndpoint.__table__)
_events = cast(Table, Event.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)
# What one send needs, as one Core statement (no ORM identity map on the hot path).
_TO_SEND = (
    select(
        _deliveries.c.status,
        _endpoints.c.id.label("endpoint_id"),
        _endpoints.c.url,
        _endpoints.c.status.label("endpoint_status"),
        _endpoints.c.secret_sealed,
        _endpoints.c.previous_secret_sealed,
        _endpoints.c.previous_secret_expires_at,
        _endpoints.c.failing_since,
        _events.c.id,
        _events.c.name,
        _events.c.created_at,
        _events.c.payload,
    )
    .select_from(_deliveries)
    .join(_endpoints, _endpoints.c.id == _deliveries.c.endpoint_id)
    .join(_events, _events.c.id == _deliveries.c.event_id)
)


class Outcome(StrEnum):
    skipped = "skipped"
    succeeded = "succeeded"
    retrying = "retrying"
    failed = "failed"


def retry_delay(attempt_count: int, rng: random.Random | None = None) -> timedelta | None:
    """The wait after ``attempt_count`` failed attempts (with up to 10 % jitter), or ``None``."""
    if attempt_count < 1 or attempt_count > len(RETRY_SCHEDULE):
        return None
    jitter = (rng or random).uniform(0.0, MAX_JITTER)
    return RETRY_SCHEDULE[attempt_count - 1] * (1.0 + jitter)


class EventFields(Protocol):
    """What :func:`event_body` reads: an ``Event`` or a row with the same columns."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def payload(self) -> Any: ...


def event_body(event: EventFields) -> bytes:
    """The exact bytes that are signed and sent."""
    document = {
        "id": str(event.id),
        "name": event.name,
        "created_at": iso_millis(event.created_at),
        "payload": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Courier:
    """Everything ``deliver`` needs: database scopes, clock, the HTTP port and the secret box."""

    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    sender: WebhookSender
    box: SecretBox
    rng: random.Random = field(default_factory=random.Random)
    writer: GroupCommit[Outcome] = field(init=False)

    def __post_init__(self) -> None:
        self.writer = GroupCommit(self.sessions, max_batch=MAX_RESULT_BATCH)

    async def load(self, delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row[Any]]:
        """What :meth:`deliver` reads, for a whole claimed batch in one statement."""
        if not delivery_ids:
            return {}
        async with transaction(self.read_sessions) as session:
            rows = await session.execute(
                _TO_SEND.add_columns(_deliveries.c.id.label("delivery_id")).where(
                    _deliveries.c.id.in_(delivery_ids)
                )
            )
            return {row.delivery_id: row for row in rows}

    async def deliver(self, delivery_id: uuid.UUID, loaded: Row[Any] | None = None) -> Outcome:
        """Send one delivery; ``loaded`` is its row from :meth:`load` (read here when absent).
        The outcome's write re-checks that the delivery is still pending."""
        row: Any = loaded
        if row is None:
            async with transaction(self.read_sessions) as session:
                row = (
                    await session.execute(_TO_SEND.where(_deliveries.c.id == delivery_id))
                ).one_or_none()
        if row is None or row.status != DeliveryStatus.pending:
            return Outcome.skipped
        if row.endpoint_status != EndpointStatus.enabled:
            return await self._give_up_disabled(delivery_id)

        now = self.clock.now()
        endpoint_id: uuid.UUID = row.endpoint_id
        if not self.box.can_open(row.secret_sealed, row.previous_secret_sealed):
            async with transaction(self.read_sessions) as session:
                await self.box.load_keys(session)
        secrets = [self.box.open(endpoint_id, row.secret_sealed)]
        if (
            row.previous_secret_sealed
            and row.previous_secret_expires_at
            and row.previous_secret_expires_at > now
        ):
            secrets.append(self.box.open(endpoint_id, row.previous_secret_sealed))
        body = event_body(row)
        headers = signature_headers(secrets, str(row.id), now, body)
        result = await self.sender.send(row.url, headers, body)
        metrics.ATTEMPTS.inc()
        failing_since: datetime | None = row.failing_since
        if result.succeeded:
            return await self.writer.run(
                lambda session: self._record_success(
                    session, delivery_id, endpoint_id, row.created_at, now, result, failing_since
                )
            )
        return await self.writer.run(
            lambda session: self._record(
                session, delivery_id, endpoint_id, row.created_at, now, result, failing_since
            )
        )

    async def _give_up_disabled(self, delivery_id: uuid.UUID) -> Outcome:
        async with transaction(self.sessions) as session:
            delivery = await _locked_delivery(session, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.pending:
                return Outcome.skipped
            delivery.status = DeliveryStatus.failed
            delivery.last_error = "The endpoint is disabled."
            delivery.next_attempt_at = None
            delivery.updated_at = self.clock.now()
        metrics.GIVEN_UP.inc()
        return Outcome.failed

    async def _record_success(
        self,
        session: AsyncSession,
        delivery_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        event_created_at: datetime,
        attempted_at: datetime,
        result: SendResult,
        failing_since: datetime | None,
    ) -> Outcome:
        """The common case in three Core statements: a conditional UPDATE (still pending?),
        the attempt, and the endpoint's failing run cleared only when it had one."""
        now = self.clock.now()
        succeeded = await session.execute(
            update(_deliveries)
            .where(
                _deliveries.c.id == delivery_id,
                _deliveries.c.status == DeliveryStatus.pending,
            )
            .values(
                status=DeliveryStatus.succeeded,
                delivered_at=now,
                next_attempt_at=None,
                attempt_count=_deliveries.c.attempt_count + 1,
                updated_at=now,
                last_status_code=result.status_code,
                last_error=None,
            )
            .returning(_deliveries.c.id)
        )
        if succeeded.first() is None:  # deleted, or finished by another worker
            return await self._record(
                session, delivery_id, endpoint_id, event_created_at, attempted_at, result, None
            )
        await session.execute(insert(_attempts).values(_attempt(delivery_id, attempted_at, result)))
        if failing_since is not None:
            await session.execute(
                update(_endpoints)
                .where(_endpoints.c.id == endpoint_id, _endpoints.c.failing_since.is_not(None))
                .values(failing_since=None)
            )
        metrics.SUCCESSES.inc()
        metrics.LATENCY.observe(max((now - event_created_at).total_seconds(), 0.0))
        return Outcome.succeeded

    async def _record(
        self,
        session: AsyncSession,
        delivery_id: uuid.UUID,
        endpoint_id: uuid.UUID,
        event_created_at: datetime,
        attempted_at: datetime,
        result: SendResult,
        failing_since: datetime | None,
    ) -> Outcome:
        delivery = await _locked_delivery(session, delivery_id)
        if delivery is None:  # the endpoint was deleted meanwhile
            return Outcome.skipped
        session.add(WebhookAttempt(**_attempt(delivery_id, attempted_at, result)))
        if delivery.status != DeliveryStatus.pending:  # another worker finished it
            return Outcome.skipped
        # A success on a healthy endpoint (the common case) needs no endpoint row.
        endpoint = None
        if not result.succeeded or failing_since is not None:
            endpoint = await session.get(WebhookEndpoint, endpoint_id)
        now = self.clock.now()
        delivery.updated_at = now
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error[:500] if result.error else None
        if result.succeeded:
            return self._succeeded(delivery, endpoint, event_created_at, now)
        was_enabled = endpoint is not None and endpoint.status == EndpointStatus.enabled
        outcome = self._failed(delivery, endpoint, result, now)
        if was_enabled and endpoint is not None and endpoint.status != EndpointStatus.enabled:
            await session.flush()
            await fail_pending(session, endpoint.id, now)
        await session.flush()
        return outcome

    def _succeeded(
        self,
        delivery: WebhookDelivery,
        endpoint: WebhookEndpoint | None,
        event_created_at: datetime,
        now: datetime,
    ) -> Outcome:
        delivery.status = DeliveryStatus.succeeded
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.attempt_count += 1
        if endpoint is not None and endpoint.failing_since is not None:
            endpoint.failing_since = None
        metrics.SUCCESSES.inc()
        metrics.LATENCY.observe(max((now - event_created_at).total_seconds(), 0.0))
        return Outcome.succeeded

    def _failed(
        self,
        delivery: WebhookDelivery,
        endpoint: WebhookEndpoint | None,
        result: SendResult,
        now: datetime,
    ) -> Outcome:
        kind = result.failure or (
            FailureKind.http if result.status_code is not None else FailureKind.network
        )
        metrics.FAILURES.labels(str(kind)).inc()
        delivery.attempt_count += 1
        disable_reason = None
        if endpoint is not None:
            if endpoint.failing_since is None:
                endpoint.failing_since = now
            if result.status_code == 410:
                disable_reason = "gone"
            elif now - endpoint.failing_since >= DISABLE_AFTER_FAILING:
                disable_reason = "failing"
            if disable_reason and endpoint.status == EndpointStatus.enabled:
                endpoint.status = EndpointStatus.disabled
                endpoint.disabled_reason = disable_reason
                endpoint.updated_at = now
                log.warning(
                    "webhook endpoint disabled",
                    extra={"endpoint_id": str(endpoint.id), "reason": disable_reason},
                )
        delay = None if disable_reason else retry_delay(delivery.attempt_count, self.rng)
        if delay is None:
            delivery.status = DeliveryStatus.failed
            delivery.next_attempt_at = None
            metrics.GIVEN_UP.inc()
            return Outcome.failed
        delivery.next_attempt_at = now + delay
        return Outcome.retrying

    async def aclose(self) -> None:
        await self.writer.drained()
        await self.sender.aclose()


def _attempt(delivery_id: uuid.UUID, attempted_at: datetime, result: SendResult) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "attempted_at": attempted_at,
        "succeeded": result.succeeded,
        "status_code": result.status_code,
        "error": result.error[:500] if result.error else None,
        "duration_ms": result.duration_ms,
        "response_body": result.response_body,
    }


async def _locked_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    # FOR UPDATE on PostgreSQL; SQLite writers already hold the database lock (BEGIN IMMEDIATE).
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return await session.scalar(query)


async def claim_due(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, limit: int, lease: timedelta
) -> list[uuid.UUID]:
    """Claim up to ``limit`` due deliveries by pushing ``next_attempt_at`` to the end of a lease.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets any number of workers claim disjoint batches.
    SQLite: the write transaction holds the database lock, and the UPDATE re-checks the due
    condition, so a claim is conditional and exclusive.
    """
    async with transaction(sessions) as session:
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        # A materialized CTE runs the locking SELECT exactly once (a plain IN (subquery) may be
        # re-evaluated by the planner and claim more than ``limit`` rows).
        due_cte = due.cte("due").prefix_with("MATERIALIZED")
        claimed = await session.scalars(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == due_cte.c.id,
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease, claimed_at=now)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
        return list(claimed)


async def oldest_due_age(session: AsyncSession, now: datetime) -> float:
    oldest = await session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
        )
    )
    if oldest is None:
        return 0.0
    return max((now - oldest).total_seconds(), 0.0)


async def update_queue_metrics(session: AsyncSession, now: datetime) -> None:
    """Periodic job: the age of the oldest due delivery, for the queue-lag alert."""
    metrics.OLDEST_DUE_AGE.set(await oldest_due_age(session, now))
