"""The outbox fan-out: one delivery row per subscribed, enabled endpoint, in the event's transaction.

Listed as an event subscriber by ``gangway.bootstrap``. Nothing is sent here; the worker does that
after the commit.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import DeliveryStatus, EndpointStatus, Event, WebhookDelivery, WebhookEndpoint

# PostgreSQL channel the workers LISTEN on; NOTIFY is transactional (sent at commit).
NOTIFY_CHANNEL = "gangway_webhook_deliveries"


def endpoint_wants(endpoint: WebhookEndpoint, event_name: str) -> bool:
    return not endpoint.events or event_name in endpoint.events


async def create_deliveries(session: AsyncSession, event: Event) -> None:
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.partner_id == event.partner_id,
            WebhookEndpoint.status == EndpointStatus.enabled,
        )
    )
    created = 0
    for endpoint in endpoints:
        if not endpoint_wants(endpoint, event.name):
            continue
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                partner_id=event.partner_id,
                event_id=event.id,
                event_name=event.name,
                status=DeliveryStatus.pending,
                attempt_count=0,
                next_attempt_at=event.created_at,
                created_at=event.created_at,
                updated_at=event.created_at,
            )
        )
        created += 1
    if created:
        await session.flush()
        await mark_wrote_deliveries(session)


async def mark_wrote_deliveries(session: AsyncSession) -> None:
    """Ask the edge to wake the in-process worker after commit, and other workers via NOTIFY."""
    if session.info.get("wrote_deliveries"):
        return
    session.info["wrote_deliveries"] = True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
