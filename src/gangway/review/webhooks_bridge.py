"""What the back office shows and does with webhooks, through the webhooks package's service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from gangway.webhooks import service

RECENT_DELIVERIES = 10
MAX_ENDPOINTS = 50


async def failed_delivery_count(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count(WebhookDelivery.id)).where(
            WebhookDelivery.status == DeliveryStatus.failed
        )
    )
    return int(count or 0)


async def endpoints_with_deliveries(
    session: AsyncSession, partner_id: uuid.UUID
) -> list[tuple[WebhookEndpoint, list[tuple[WebhookDelivery, list[Any]]]]]:
    endpoints, _ = await service.list_page(
        session, partner_id, limit=MAX_ENDPOINTS, starting_after=None
    )
    result = []
    for endpoint in endpoints:
        deliveries, _ = await service.list_deliveries(
            session, endpoint, status=None, limit=RECENT_DELIVERIES, starting_after=None
        )
        result.append((endpoint, deliveries))
    return result


async def retry_delivery(
    session: AsyncSession,
    partner_id: uuid.UUID,
    endpoint_id: str,
    delivery_id: str,
    now: datetime,
) -> WebhookDelivery:
    endpoint = await service.get_for_partner(session, partner_id, endpoint_id, lock=True)
    return await service.retry_delivery(session, endpoint, delivery_id, now=now)


async def recover(
    session: AsyncSession, partner_id: uuid.UUID, endpoint_id: str, since: datetime, now: datetime
) -> int:
    endpoint = await service.get_for_partner(session, partner_id, endpoint_id, lock=True)
    return await service.recover(session, endpoint, since=since, now=now)
