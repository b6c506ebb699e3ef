"""Webhook endpoints of a partner: registration, changes, secret rotation, the deliveries log,
manual retry and recovery. Every query is scoped to the partner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import FieldError, NotFound, RequestBlocked, ValidationFailed
from gangway.kit.ids import parse_uuid
from gangway.kit.pagination import keyset_page
from gangway.models import (
    DeliveryStatus,
    EndpointStatus,
    EventName,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from gangway.webhooks.fanout import mark_wrote_deliveries
from gangway.webhooks.signing import SecretBox, new_secret
from gangway.webhooks.targets import TargetRefused, check_target

MAX_ENDPOINTS_PER_PARTNER = 20
ROTATION_OVERLAP = timedelta(hours=24)
ATTEMPTS_SHOWN_PER_DELIVERY = 20


@dataclass(frozen=True)
class Policy:
    """What the settings allow for targets, and the box that seals secrets."""

    box: SecretBox
    allow_private: bool


def normalize_events(events: Sequence[EventName] | None) -> list[str]:
    """Unique names in the canonical order; empty means every event."""
    chosen = set(events or ())
    return [name.value for name in EventName if name in chosen]


async def _checked_url(url: str, allow_private: bool) -> str:
    try:
        await check_target(url, allow_private=allow_private)
    except TargetRefused as refused:
        raise ValidationFailed(
            "The webhook URL is not allowed.", details=[FieldError("url", str(refused))]
        ) from None
    return url


async def create(
    session: AsyncSession,
    partner_id: uuid.UUID,
    *,
    url: str,
    events: Sequence[EventName] | None,
    now: datetime,
    policy: Policy,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret (shown to the partner this once)."""
    count = await session.scalar(
        select(func.count()).where(WebhookEndpoint.partner_id == partner_id)
    )
    if (count or 0) >= MAX_ENDPOINTS_PER_PARTNER:
        raise RequestBlocked(
            f"A partner can have at most {MAX_ENDPOINTS_PER_PARTNER} webhook endpoints; "
            "delete one first."
        )
    await _checked_url(url, policy.allow_private)
    secret = new_secret()
    endpoint_id = uuid.uuid4()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        partner_id=partner_id,
        url=url,
        events=normalize_events(events),
        status=EndpointStatus.enabled,
        secret_sealed=await policy.box.seal(session, endpoint_id, secret),
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


async def get_for_partner(
    session: AsyncSession, partner_id: uuid.UUID, endpoint_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    parsed = parse_uuid(endpoint_id)
    endpoint = None
    if parsed is not None:
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == parsed, WebhookEndpoint.partner_id == partner_id
        )
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        endpoint = await session.scalar(query)
    if endpoint is None:
        raise NotFound("No webhook endpoint with this id.")
    return endpoint


async def list_page(
    session: AsyncSession, partner_id: uuid.UUID, *, limit: int, starting_after: str | None
) -> tuple[list[WebhookEndpoint], bool]:
    scope = [WebhookEndpoint.partner_id == partner_id]
    return await keyset_page(
        session,
        select(WebhookEndpoint).where(*scope),
        model=WebhookEndpoint,
        scope=scope,
        limit=limit,
        starting_after=starting_after,
    )


async def update_endpoint(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    changes: dict[str, object],
    now: datetime,
    policy: Policy,
) -> WebhookEndpoint:
    """Apply a PATCH. Re-enabling does not resend the past (that is what ``recover`` is for)."""
    if "url" in changes:
        endpoint.url = await _checked_url(str(changes["url"]), policy.allow_private)
    if "events" in changes:
        endpoint.events = normalize_events(changes["events"])  # type: ignore[arg-type]
    if "status" in changes and changes["status"] != endpoint.status:
        endpoint.status = EndpointStatus(str(changes["status"]))
        if endpoint.status == EndpointStatus.enabled:
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        else:
            endpoint.disabled_reason = "partner"
            await fail_pending(session, endpoint.id, now)
    endpoint.updated_at = now
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries and attempts (foreign keys cascade)."""
    await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))


async def rotate_secret(
    session: AsyncSession, endpoint: WebhookEndpoint, *, now: datetime, policy: Policy
) -> str:
    """A new secret; the current one keeps signing (a second signature) for 24 hours."""
    secret = new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_sealed = await policy.box.seal(session, endpoint.id, secret)
    endpoint.updated_at = now
    await session.flush()
    return secret


async def list_deliveries(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    status: DeliveryStatus | None,
    limit: int,
    starting_after: str | None,
) -> tuple[list[tuple[WebhookDelivery, list[WebhookAttempt]]], bool]:
    """A page of deliveries, newest first, each with its most recent attempts."""
    scope = [WebhookDelivery.endpoint_id == endpoint.id]
    query = select(WebhookDelivery).where(*scope)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    deliveries, has_more = await keyset_page(
        session,
        query,
        model=WebhookDelivery,
        scope=scope,
        limit=limit,
        starting_after=starting_after,
    )
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id)
        )
        for attempt in rows:
            shown = attempts[attempt.delivery_id]
            if len(shown) < ATTEMPTS_SHOWN_PER_DELIVERY:
                shown.append(attempt)
    return [(d, attempts[d.id]) for d in deliveries], has_more


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if endpoint.status != EndpointStatus.enabled:
        raise RequestBlocked.needs_status("webhook endpoint", [EndpointStatus.enabled.value])


async def retry_delivery(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: str, *, now: datetime
) -> WebhookDelivery:
    """Queue one delivery for an attempt now, with a fresh retry schedule (any status)."""
    parsed = parse_uuid(delivery_id)
    delivery = None
    if parsed is not None:
        delivery = await session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.id == parsed, WebhookDelivery.endpoint_id == endpoint.id
            )
        )
    if delivery is None:
        raise NotFound("No delivery with this id for this webhook endpoint.")
    return await requeue(session, endpoint, delivery, now=now)


async def requeue(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime
) -> WebhookDelivery:
    """Make ``delivery`` due now with a fresh schedule (API retry, CLI, back office)."""
    _require_enabled(endpoint)
    delivery.status = DeliveryStatus.pending
    delivery.attempt_count = 0
    delivery.next_attempt_at = now
    delivery.updated_at = now
    await session.flush()
    await mark_wrote_deliveries(session)
    return delivery


async def recover(
    session: AsyncSession, endpoint: WebhookEndpoint, *, since: datetime, now: datetime
) -> int:
    """Re-queue every failed delivery of the endpoint created at or after ``since``."""
    _require_enabled(endpoint)
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.failed,
            WebhookDelivery.created_at >= since,
        )
        .values(status=DeliveryStatus.pending, attempt_count=0, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        await mark_wrote_deliveries(session)
    return count


async def fail_pending(session: AsyncSession, endpoint_id: uuid.UUID, now: datetime) -> int:
    """Mark the pending deliveries of a disabled endpoint failed (``recover`` can re-queue them)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(
            status=DeliveryStatus.failed,
            next_attempt_at=None,
            last_error="The endpoint is disabled.",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- what the back office shows and does (staff see every partner) ---------------------------

RECENT_DELIVERIES_SHOWN = 10
MAX_ENDPOINTS_SHOWN = 50


async def failed_delivery_count(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count(WebhookDelivery.id)).where(
            WebhookDelivery.status == DeliveryStatus.failed
        )
    )
    return int(count or 0)


async def endpoints_with_recent_deliveries(
    session: AsyncSession, partner_id: uuid.UUID
) -> list[tuple[WebhookEndpoint, list[tuple[WebhookDelivery, list[WebhookAttempt]]]]]:
    endpoints, _ = await list_page(
        session, partner_id, limit=MAX_ENDPOINTS_SHOWN, starting_after=None
    )
    result = []
    for endpoint in endpoints:
        deliveries, _ = await list_deliveries(
            session, endpoint, status=None, limit=RECENT_DELIVERIES_SHOWN, starting_after=None
        )
        result.append((endpoint, deliveries))
    return result
