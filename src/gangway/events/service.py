"""The single way to record an event, and the partner's read side."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import NotFound
from gangway.events.schemas import validated_payload
from gangway.kit.ids import parse_uuid
from gangway.kit.pagination import keyset_page
from gangway.models import Event, EventName
from gangway.observability import EVENTS_RECORDED

# Called for every recorded event inside the same transaction (e.g. the webhook fan-out that writes
# one delivery row per subscribed endpoint). The composition root lists them and puts them on the
# session factories (``session.info[SUBSCRIBERS]``), so every unit of work carries the same list.
EventSubscriber = Callable[[AsyncSession, Event], Awaitable[None]]
SUBSCRIBERS = "event_subscribers"


def subscribers_of(session: AsyncSession) -> Sequence[EventSubscriber]:
    try:
        found: Sequence[EventSubscriber] = session.info[SUBSCRIBERS]
    except KeyError:
        # A session not made by gangway.bootstrap would silently skip the webhook fan-out.
        raise RuntimeError(
            "this session has no event subscribers: use the sessions of gangway.bootstrap"
        ) from None
    return found


async def record(
    session: AsyncSession,
    *,
    partner_id: uuid.UUID,
    individual_id: uuid.UUID,
    name: EventName,
    now: datetime,
    **extra: Any,
) -> Event:
    """Write ``name`` to the outbox in the caller's transaction (never commits).

    The payload always holds ``individual_id``; ``extra`` adds the event's other fields, exactly
    those of the event's payload model in ``events.schemas`` (anything else raises: a bug).
    """
    payload = validated_payload(name, {"individual_id": individual_id, **extra})
    event = Event(
        partner_id=partner_id,
        individual_id=individual_id,
        name=name,
        payload=payload,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    for subscriber in subscribers_of(session):
        await subscriber(session, event)
    EVENTS_RECORDED.labels(name).inc()
    return event


async def get_for_partner(session: AsyncSession, partner_id: uuid.UUID, event_id: str) -> Event:
    parsed = parse_uuid(event_id)
    event = None
    if parsed is not None:
        event = await session.scalar(
            select(Event).where(Event.id == parsed, Event.partner_id == partner_id)
        )
    if event is None:
        raise NotFound("No event with this id.")
    return event


async def list_page(
    session: AsyncSession,
    partner_id: uuid.UUID,
    *,
    name: EventName | None,
    individual_id: uuid.UUID | None,
    limit: int,
    starting_after: str | None,
) -> tuple[list[Event], bool]:
    query = select(Event).where(Event.partner_id == partner_id)
    if name is not None:
        query = query.where(Event.name == name)
    if individual_id is not None:
        query = query.where(Event.individual_id == individual_id)
    return await keyset_page(
        session,
        query,
        model=Event,
        scope=[Event.partner_id == partner_id],
        limit=limit,
        starting_after=starting_after,
    )
