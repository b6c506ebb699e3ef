from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from gangway.auth.deps import PartnerDep
from gangway.events import service
from gangway.events.schemas import EventOut, EventPage, event_out
from gangway.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from gangway.models import EventName
from gangway.web.deps import SessionDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/events", tags=["Events"])


@router.get(
    "",
    operation_id="listEvents",
    response_model=EventPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def list_events(
    partner: PartnerDep,
    session: SessionDep,
    name: Annotated[EventName | None, Query()] = None,
    individual_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> EventPage:
    """The partner's events, newest first, with keyset pagination (`starting_after` = last id)."""
    rows, has_more = await service.list_page(
        session,
        partner.partner_id,
        name=name,
        individual_id=individual_id,
        limit=limit,
        starting_after=starting_after,
    )
    return EventPage(data=[event_out(r) for r in rows], has_more=has_more)


@router.get(
    "/{event_id}",
    operation_id="getEvent",
    response_model=EventOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_event(event_id: str, partner: PartnerDep, session: SessionDep) -> EventOut:
    """One event of the partner's; another partner's event id is a 404."""
    return event_out(await service.get_for_partner(session, partner.partner_id, event_id))  # type: ignore[return-value]
