from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from gangway.auth.deps import PartnerDep
from gangway.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from gangway.pending_actions import service
from gangway.pending_actions.schemas import PendingActionOut, PendingActionPage
from gangway.web.deps import ClockDep, SessionDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/pending_actions", tags=["Pending actions"])


@router.get(
    "",
    operation_id="listPendingActions",
    response_model=PendingActionPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def list_pending_actions(
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    individual_id: Annotated[uuid.UUID | None, Query()] = None,
    event_id: Annotated[
        uuid.UUID | None, Query(description="The id of the `PendingActionCreated` event.")
    ] = None,
    completed: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> PendingActionPage:
    """The partner's pending actions, newest first, with keyset pagination. Use `event_id` to
    fetch the action a `PendingActionCreated` webhook announced."""
    rows, has_more = await service.list_page(
        session,
        partner.partner_id,
        individual_id=individual_id,
        event_id=event_id,
        completed=completed,
        limit=limit,
        starting_after=starting_after,
    )
    now = clock.now()
    return PendingActionPage(data=[PendingActionOut.of(r, now) for r in rows], has_more=has_more)


@router.get(
    "/{pending_action_id}",
    operation_id="getPendingAction",
    response_model=PendingActionOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_pending_action(
    pending_action_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> PendingActionOut:
    """One pending action; its `payload.consent_id` is the consent to open for the user."""
    action = await service.get_for_partner(session, partner.partner_id, pending_action_id)
    return PendingActionOut.of(action, clock.now())
