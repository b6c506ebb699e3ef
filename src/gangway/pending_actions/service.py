"""Raising, completing, cancelling and expiring pending actions (each with its consent).

Every change is one transaction in the caller's session: the consent, the pending action, the
audit entry and the outbox event move together.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gangway.audit import service as audit
from gangway.errors import NotFound, RequestBlocked, ValidationFailed
from gangway.events import service as events
from gangway.individuals import service as individuals
from gangway.kit.ids import parse_uuid
from gangway.kit.pagination import keyset_page
from gangway.models import (
    CONSENT_FOR_ACTION,
    ActorType,
    Consent,
    ConsentStatus,
    EventName,
    Individual,
    IndividualStatus,
    PendingAction,
    PendingActionType,
)

DEFAULT_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=365)
RAISABLE_FROM = (
    IndividualStatus.onboarding_data_provided,
    IndividualStatus.activated,
    IndividualStatus.blocked,
)
DEFAULT_DESCRIPTIONS = {
    PendingActionType.IdentityVerification: (
        "Please verify your identity. We kindly ask that you complete this verification at your "
        "earliest convenience."
    ),
    PendingActionType.ProofOfAddressVerification: (
        "Please confirm your address with a recent document. We kindly ask that you complete this "
        "verification at your earliest convenience."
    ),
}
_DEFAULT = object()


def effective_status(item: PendingAction | Consent, now: datetime) -> str:
    """The status a reader should see: a pending item past ``expires_at`` is already expired,
    even before the periodic job has recorded it."""
    if (
        item.status == ConsentStatus.pending
        and item.expires_at is not None
        and item.expires_at <= now
    ):
        return ConsentStatus.expired
    return item.status


async def raise_action(
    session: AsyncSession,
    individual: Individual,
    action_type: PendingActionType,
    *,
    now: datetime,
    description: str | None = None,
    expires_at: datetime | Any | None = _DEFAULT,
    actor_type: ActorType = ActorType.system,
    actor_id: str | uuid.UUID | None = None,
    client_ip: str | None = None,
) -> PendingAction:
    """Create the consent and the pending action, announce it with ``PendingActionCreated``."""
    individuals.require_status(individual, RAISABLE_FROM)
    if expires_at is _DEFAULT:
        expires_at = now + DEFAULT_LIFETIME
    if expires_at is not None and not now < expires_at <= now + MAX_LIFETIME:
        raise ValidationFailed("The expiry must be in the future and within a year.")
    text = (description or "").strip() or DEFAULT_DESCRIPTIONS[action_type]
    if len(text) > 1000:
        raise ValidationFailed("The description is at most 1000 characters.")
    consent = Consent(
        partner_id=individual.partner_id,
        individual_id=individual.id,
        type=CONSENT_FOR_ACTION[action_type],
        status=ConsentStatus.pending,
        expires_at=expires_at,
        created_at=now,
        failed_passcode_attempts=0,
    )
    session.add(consent)
    await session.flush()
    action = PendingAction(
        partner_id=individual.partner_id,
        individual_id=individual.id,
        consent_id=consent.id,
        type=action_type,
        description=text,
        status=ConsentStatus.pending,
        expires_at=expires_at,
        created_at=now,
    )
    session.add(action)
    await session.flush()
    event = await events.record(
        session,
        partner_id=individual.partner_id,
        individual_id=individual.id,
        name=EventName.PendingActionCreated,
        now=now,
        pending_action_id=action.id,
    )
    action.event_id = event.id
    await audit.record(
        session,
        action="pending_action.created",
        now=now,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_id=individual.id,
        client_ip=client_ip,
        detail={"pending_action_id": str(action.id), "type": str(action_type)},
    )
    await session.flush()
    return action


async def _move(
    session: AsyncSession, action: PendingAction, to: ConsentStatus, now: datetime
) -> Consent:
    consent = await session.get(Consent, action.consent_id)
    if consent is None:  # pragma: no cover - the foreign key makes this impossible
        raise NotFound()
    for item in (action, consent):
        item.status = to
        if to is ConsentStatus.completed:
            item.completed_at = now
    try:
        await session.flush()
    except StaleDataError:
        raise RequestBlocked(
            "The pending action was changed by a concurrent request; reload it and try again."
        ) from None
    return consent


def require_open(item: PendingAction | Consent, now: datetime) -> None:
    """Refuse unless ``item`` (a pending action or a consent) is pending and unexpired."""
    if effective_status(item, now) != ConsentStatus.pending:
        noun = "consent" if isinstance(item, Consent) else "pending action"
        raise RequestBlocked.needs_status(noun, [ConsentStatus.pending])


async def _settle(
    session: AsyncSession,
    action: PendingAction,
    to: ConsentStatus,
    *,
    now: datetime,
    event: EventName | None,
    actor_type: ActorType = ActorType.system,
    actor_id: str | uuid.UUID | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> PendingAction:
    """Move the action and its consent to ``to``, with its outbox event and its audit entry."""
    await _move(session, action, to, now)
    if event is not None:
        await events.record(
            session,
            partner_id=action.partner_id,
            individual_id=action.individual_id,
            name=event,
            now=now,
            pending_action_id=action.id,
        )
    await audit.record(
        session,
        action=f"pending_action.{to}",
        now=now,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_id=action.individual_id,
        client_ip=client_ip,
        detail={"pending_action_id": str(action.id), **(detail or {})},
    )
    return action


async def complete(
    session: AsyncSession,
    action: PendingAction,
    *,
    now: datetime,
    actor_type: ActorType = ActorType.system,
    actor_id: str | uuid.UUID | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> PendingAction:
    """The user finished the consent's flow: completed, ``PendingActionCompleted``."""
    require_open(action, now)
    return await _settle(
        session,
        action,
        ConsentStatus.completed,
        now=now,
        event=EventName.PendingActionCompleted,
        actor_type=actor_type,
        actor_id=actor_id,
        client_ip=client_ip,
        detail=detail,
    )


async def cancel(
    session: AsyncSession,
    action: PendingAction,
    *,
    now: datetime,
    actor_id: str | uuid.UUID,
    client_ip: str | None = None,
) -> PendingAction:
    """Staff withdraw a pending action; its consent's links stop working (no partner event:
    the partner reads ``status: canceled``)."""
    require_open(action, now)
    return await _settle(
        session,
        action,
        ConsentStatus.canceled,
        now=now,
        event=None,
        actor_type=ActorType.staff,
        actor_id=actor_id,
        client_ip=client_ip,
    )


async def expire_due(session: AsyncSession, now: datetime, batch: int = 200) -> int:
    """Mark overdue pending actions (and consents) expired and emit ``PendingActionExpired``.

    Safe with several workers: rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
    (SQLite has one writer at a time), and a row already moved is skipped.
    """
    query = (
        select(PendingAction)
        .where(PendingAction.status == ConsentStatus.pending, PendingAction.expires_at <= now)
        .order_by(PendingAction.expires_at)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(await session.scalars(query))
    for action in due:
        await _settle(
            session, action, ConsentStatus.expired, now=now, event=EventName.PendingActionExpired
        )
    return len(due)


async def get_for_partner(
    session: AsyncSession, partner_id: uuid.UUID, action_id: str | uuid.UUID
) -> PendingAction:
    parsed = action_id if isinstance(action_id, uuid.UUID) else parse_uuid(action_id)
    action = None
    if parsed is not None:
        action = await session.scalar(
            select(PendingAction).where(
                PendingAction.id == parsed, PendingAction.partner_id == partner_id
            )
        )
    if action is None:
        raise NotFound("No pending action with this id.")
    return action


async def list_page(
    session: AsyncSession,
    partner_id: uuid.UUID,
    *,
    individual_id: uuid.UUID | None,
    event_id: uuid.UUID | None,
    completed: bool | None,
    limit: int,
    starting_after: str | None,
) -> tuple[list[PendingAction], bool]:
    query = select(PendingAction).where(PendingAction.partner_id == partner_id)
    if individual_id is not None:
        query = query.where(PendingAction.individual_id == individual_id)
    if event_id is not None:
        query = query.where(PendingAction.event_id == event_id)
    if completed is True:
        query = query.where(PendingAction.status == ConsentStatus.completed)
    elif completed is False:
        query = query.where(PendingAction.status != ConsentStatus.completed)
    return await keyset_page(
        session,
        query,
        model=PendingAction,
        scope=[PendingAction.partner_id == partner_id],
        limit=limit,
        starting_after=starting_after,
    )


async def mark_reviewed(
    session: AsyncSession,
    action: PendingAction,
    *,
    now: datetime,
    actor_id: str | uuid.UUID,
    client_ip: str | None = None,
) -> PendingAction:
    """A reviewer has looked at what the user sent for a completed action (leaves the queue)."""
    if action.status != ConsentStatus.completed:
        raise RequestBlocked.needs_status("pending action", [ConsentStatus.completed])
    if action.reviewed_at is None:
        action.reviewed_at = now
        await audit.record(
            session,
            action="pending_action.reviewed",
            now=now,
            actor_type=ActorType.staff,
            actor_id=actor_id,
            subject_id=action.individual_id,
            client_ip=client_ip,
            detail={"pending_action_id": str(action.id)},
        )
    return action


async def get_for_individual(
    session: AsyncSession, individual_id: uuid.UUID, action_id: str
) -> PendingAction:
    """Staff scope: the action must belong to the individual whose page the form is on."""
    parsed = parse_uuid(action_id)
    action = None
    if parsed is not None:
        action = await session.scalar(
            select(PendingAction).where(
                PendingAction.id == parsed, PendingAction.individual_id == individual_id
            )
        )
    if action is None:
        raise NotFound("No pending action with this id.")
    return action
