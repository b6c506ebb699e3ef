"""Erasure (redaction) of an individual, with the provider's AML retention hold.

- Never submitted: erased at once.
- Submitted or decided: the request is recorded as ``pending`` and held until ``due_at``
  (``GANGWAY_REDACTION_RETENTION_DAYS`` after the request, five years by default); a compliance
  officer may approve an earlier erasure in the back office, and the periodic job
  :func:`complete_due` erases what has come due.

Erasing destroys the individual's data key (every ciphertext sealed under it becomes noise,
backups included), drops the ciphertexts and document files too, and leaves the individual as a
tombstone: its id, partner, status and dates, with ``redacted_at`` set. The audit log keeps who,
when and why, without personal data, and an ``IndividualRedacted`` event is delivered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.events import service as events
from gangway.models import (
    ActorType,
    ConsentProgress,
    DataKey,
    Document,
    EventName,
    FlowSession,
    IdentityFingerprint,
    Individual,
    IndividualCredential,
    IndividualStatus,
    OnboardingDraft,
    OnboardingLink,
    OnboardingSubmission,
    PhoneVerification,
    RedactionReason,
    RedactionRequest,
    RedactionStatus,
    VerificationRun,
    WebauthnCredential,
)
from gangway.models.sealed import erase_loaded, forget_data_sealer, keyring_of

# Statuses in which nothing was ever submitted: no retention duty, erased at once.
NEVER_SUBMITTED = (IndividualStatus.pending_activation, IndividualStatus.onboarding_requested)
DUE_BATCH = 50


@dataclass(frozen=True)
class Requester:
    """Who asked: ``partner:<id>`` or ``staff:<id>`` (kept in the request and the audit log)."""

    actor_type: ActorType
    actor_id: uuid.UUID

    def __str__(self) -> str:
        return f"{self.actor_type}:{self.actor_id}"


async def request(
    session: AsyncSession,
    individual: Individual,
    *,
    reason: RedactionReason,
    by: Requester,
    now: datetime,
    retention: timedelta,
) -> RedactionRequest:
    """Ask for the individual's erasure (idempotent: a second request returns the first)."""
    existing = await session.get(RedactionRequest, individual.id, with_for_update=True)
    if existing is not None:
        return existing
    submitted = await session.scalar(
        select(OnboardingSubmission.id).where(OnboardingSubmission.individual_id == individual.id)
    )
    held = submitted is not None or individual.status not in NEVER_SUBMITTED
    redaction = RedactionRequest(
        individual_id=individual.id,
        partner_id=individual.partner_id,
        status=RedactionStatus.pending,
        reason=reason,
        requested_by=str(by),
        requested_at=now,
        due_at=now + retention if held else now,
    )
    session.add(redaction)
    await audit.record(
        session,
        action="individual.redaction_requested",
        now=now,
        actor_type=by.actor_type,
        actor_id=by.actor_id,
        subject_id=individual.id,
        detail={"reason": str(reason), "held_until": redaction.due_at.isoformat()},
    )
    await session.flush()
    if not held:
        await complete(session, redaction, individual, now=now)
    return redaction


async def approve_early(
    session: AsyncSession,
    redaction: RedactionRequest,
    *,
    staff_id: uuid.UUID,
    note: str,
    now: datetime,
) -> None:
    """A compliance officer lifts the hold: the erasure is due now (the job completes it)."""
    if redaction.status != RedactionStatus.pending:
        return
    redaction.due_at = now
    redaction.approved_by = f"staff:{staff_id}"
    redaction.approval_note = note
    await audit.record(
        session,
        action="individual.redaction_approved",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff_id,
        subject_id=redaction.individual_id,
        detail={"reason": str(redaction.reason)},
    )
    await session.flush()


async def complete_due(session: AsyncSession, now: datetime) -> int:
    """Periodic job: erase up to ``DUE_BATCH`` individuals whose hold has ended."""
    due = list(
        await session.scalars(
            select(RedactionRequest)
            .where(
                RedactionRequest.status == RedactionStatus.pending,
                RedactionRequest.due_at <= now,
            )
            .order_by(RedactionRequest.due_at)
            .limit(DUE_BATCH)
        )
    )
    for redaction in due:
        individual = await session.get(Individual, redaction.individual_id)
        if individual is not None:
            await complete(session, redaction, individual, now=now)
    return len(due)


async def complete(
    session: AsyncSession, redaction: RedactionRequest, individual: Individual, *, now: datetime
) -> None:
    """Erase now: destroy the data key, drop every ciphertext and file, keep a tombstone."""
    individual_id = individual.id
    wrapped = await session.scalar(
        select(DataKey.wrapped).where(DataKey.individual_id == individual_id)
    )
    await session.execute(delete(DataKey).where(DataKey.individual_id == individual_id))
    if wrapped is not None:
        keyring_of(session).forget(wrapped)
    forget_data_sealer(session, individual_id)
    for model in (
        Document,
        OnboardingDraft,
        PhoneVerification,
        ConsentProgress,
        IdentityFingerprint,
        FlowSession,
        OnboardingLink,
        IndividualCredential,
        WebauthnCredential,
    ):
        await session.execute(delete(model).where(model.individual_id == individual_id))
    await session.execute(
        update(OnboardingSubmission)
        .where(OnboardingSubmission.individual_id == individual_id)
        .values(sealed_data=None)
    )
    await session.execute(
        update(VerificationRun)
        .where(VerificationRun.individual_id == individual_id)
        .values(sealed_data=None, attachments_sealed=None)
    )
    erase_loaded(individual)
    individual.email_index = None
    individual.phone_index = None
    individual.name_dob_index = None
    individual.redacted_at = now
    individual.updated_at = now
    redaction.status = RedactionStatus.completed
    redaction.completed_at = now
    await audit.record(
        session,
        action="individual.redacted",
        now=now,
        subject_id=individual_id,
        detail={
            "reason": str(redaction.reason),
            "requested_by": redaction.requested_by,
            "requested_at": redaction.requested_at.isoformat(),
            "approved_by": redaction.approved_by,
        },
    )
    await events.record(
        session,
        partner_id=individual.partner_id,
        individual_id=individual_id,
        name=EventName.IndividualRedacted,
        now=now,
        redacted_at=now,
    )
    await session.flush()


async def pending(session: AsyncSession, limit: int = 200) -> list[RedactionRequest]:
    """Held requests, soonest due first (the back office's list)."""
    rows = await session.scalars(
        select(RedactionRequest)
        .where(RedactionRequest.status == RedactionStatus.pending)
        .order_by(RedactionRequest.due_at, RedactionRequest.individual_id)
        .limit(limit)
    )
    return list(rows)
