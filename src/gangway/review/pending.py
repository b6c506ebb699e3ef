"""Back-office actions on pending actions: request an identity verification or a proof of address
(description and expiry editable), cancel one, and mark a completed one as reviewed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from gangway.errors import FieldError, ValidationFailed
from gangway.individuals import decisions
from gangway.models import ActorType, PendingActionType
from gangway.pending_actions import service as pending_actions
from gangway.review.deps import ServicesDep, StaffDep
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip

router = APIRouter(
    prefix="/admin/individuals/{individual_id}/pending_actions", include_in_schema=False
)


def _expiry(expires_on: str | None, never: bool, now: datetime) -> datetime | None:
    if never:
        return None
    if not expires_on:
        return now + pending_actions.DEFAULT_LIFETIME
    try:
        day = date.fromisoformat(expires_on)
    except ValueError:
        raise ValidationFailed(
            "Give the expiry as a date.", details=[FieldError("expires_on", "Use YYYY-MM-DD.")]
        ) from None
    # Valid through the whole chosen day (UTC).
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@router.post("")
async def request_action(
    request: Request,
    individual_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
    type: Annotated[PendingActionType, Form()],
    description: Annotated[str, Form(max_length=1000)] = "",
    expires_on: Annotated[str | None, Form(max_length=10)] = None,
    never_expires: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Raise a pending action: consent, pending action, audit entry and PendingActionCreated."""
    now = services.clock.now()
    person = await decisions.load_individual(session, individual_id)
    await pending_actions.raise_action(
        session,
        person,
        type,
        now=now,
        description=description,
        expires_at=_expiry(expires_on, never_expires, now),
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        client_ip=client_ip(request.scope),
    )
    return RedirectResponse(f"/admin/individuals/{person.id}?done=requested", status_code=303)


@router.post("/{pending_action_id}/{verb}")
async def act_on_action(
    request: Request,
    individual_id: str,
    pending_action_id: str,
    verb: Literal["cancel", "reviewed"],
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
) -> RedirectResponse:
    """``cancel`` withdraws an open pending action (its consent's links stop working);
    ``reviewed`` records that a reviewer checked what the user sent (it leaves the queue)."""
    person = await decisions.load_individual(session, individual_id)
    action = await pending_actions.get_for_individual(session, person.id, pending_action_id)
    act = pending_actions.cancel if verb == "cancel" else pending_actions.mark_reviewed
    await act(
        session,
        action,
        now=services.clock.now(),
        actor_id=staff.staff_id,
        client_ip=client_ip(request.scope),
    )
    done = "canceled" if verb == "cancel" else "reviewed"
    return RedirectResponse(f"/admin/individuals/{person.id}?done={done}", status_code=303)
