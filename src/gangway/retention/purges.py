"""The retention purges: each call deletes (or blanks) at most ``limit`` rows of one kind.

The worker runs them in bounded batches, one short transaction each (``worker.jobs.
BatchedPurgeTask``), so a purge never holds many row locks while the service runs. Each statement
repeats its age condition on the rows it deletes: on PostgreSQL a row changed while the batch ran
(a draft saved again, say) is checked again after its lock is taken, and kept.

Nothing a submitted or decided individual's record needs is ever purged: a submission's
documents, completed consents and their files, events, decisions and the audit log are kept.
Selections use ids, statuses and timestamps only, never personal columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, delete, exists, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.config import Settings
from gangway.models import (
    Consent,
    ConsentProgress,
    ConsentStatus,
    DeliveryStatus,
    Document,
    FlowSession,
    IdempotencyRecord,
    OnboardingDraft,
    OnboardingLink,
    OnboardingSubmission,
    PhoneVerification,
    WebhookAttempt,
    WebhookDelivery,
)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind is kept (``GANGWAY_RETENTION_*``, docs/operations.md)."""

    draft: timedelta = timedelta(days=30)
    upload: timedelta = timedelta(days=30)
    flow_session: timedelta = timedelta(0)
    link: timedelta = timedelta(days=30)
    phone_code: timedelta = timedelta(days=1)
    consent: timedelta = timedelta(days=30)
    webhook_response: timedelta = timedelta(days=30)
    idempotency: timedelta = timedelta(0)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            draft=timedelta(days=settings.retention_draft_days),
            upload=timedelta(days=settings.retention_upload_days),
            flow_session=timedelta(days=settings.retention_flow_session_days),
            link=timedelta(days=settings.retention_link_days),
            phone_code=timedelta(days=settings.retention_phone_code_days),
            consent=timedelta(days=settings.retention_consent_days),
            webhook_response=timedelta(days=settings.retention_webhook_response_days),
            idempotency=timedelta(hours=settings.retention_idempotency_hours),
        )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _delete_batch(session: AsyncSession, model: Any, over: Any, limit: int) -> int:
    """``DELETE ... WHERE id IN (SELECT id ... WHERE over LIMIT n) AND over``."""
    batch = select(model.id).where(over).limit(limit)
    return _count(await session.execute(delete(model).where(model.id.in_(batch), over)))


def _submitted(individual_id: Any) -> Any:
    return exists().where(OnboardingSubmission.individual_id == individual_id)


async def drafts(session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int) -> int:
    """Onboarding drafts never submitted and unchanged for ``policy.draft``. Their uploads become
    orphans (the ``uploads`` purge takes them). A submitted individual's draft is kept."""
    cutoff = now - policy.draft
    stale = and_(OnboardingDraft.updated_at < cutoff, ~_submitted(OnboardingDraft.individual_id))
    return await _delete_batch(session, OnboardingDraft, stale, limit)


async def uploads(session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int) -> int:
    """Orphan uploads: files older than ``policy.upload`` that belong to no submission and no
    completed consent, while no onboarding draft waiting for submission and no unfinished consent
    flow of the individual could still refer to them."""
    cutoff = now - policy.upload
    open_draft = exists().where(
        OnboardingDraft.individual_id == Document.individual_id,
        ~_submitted(OnboardingDraft.individual_id),
    )
    open_consent_flow = exists().where(
        ConsentProgress.consent_id == Consent.id,
        Consent.individual_id == Document.individual_id,
        ConsentProgress.finished.is_(False),
    )
    orphan = and_(
        Document.submission_id.is_(None),
        Document.consent_id.is_(None),
        Document.created_at < cutoff,
        ~open_draft,
        ~open_consent_flow,
    )
    return await _delete_batch(session, Document, orphan, limit)


async def flow_sessions(
    session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
) -> int:
    """Browser sessions ``policy.flow_session`` after they expired (their consent-flow progress
    goes with them: the foreign key cascades)."""
    over = FlowSession.expires_at <= now - policy.flow_session
    return await _delete_batch(session, FlowSession, over, limit)


async def links(session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int) -> int:
    """Onboarding and consent links ``policy.link`` after they expired (kept that long so a late
    click still gets the clear "expired" page rather than the one for an unknown link)."""
    over = OnboardingLink.expires_at <= now - policy.link
    return await _delete_batch(session, OnboardingLink, over, limit)


async def phone_codes(
    session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
) -> int:
    """One-time phone codes (with the number they went to) ``policy.phone_code`` after expiry."""
    over = PhoneVerification.expires_at <= now - policy.phone_code
    return await _delete_batch(session, PhoneVerification, over, limit)


async def consent_progress(
    session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
) -> int:
    """What was entered in consent flows that never completed, once their consent expired or was
    canceled ``policy.consent`` ago (counted from its expiry, or its creation when it had none).

    The consent and its pending action stay: the partner API lists them with their final status,
    and they hold no personal data."""
    cutoff = now - policy.consent
    ended = exists().where(
        Consent.id == ConsentProgress.consent_id,
        Consent.status.in_([ConsentStatus.expired, ConsentStatus.canceled]),
        or_(
            Consent.expires_at <= cutoff,
            and_(Consent.expires_at.is_(None), Consent.created_at <= cutoff),
        ),
    )
    over = and_(ConsentProgress.finished.is_(False), ended)
    return await _delete_batch(session, ConsentProgress, over, limit)


async def webhook_responses(
    session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
) -> int:
    """Blank the receivers' response bodies kept with each attempt once the delivery finished
    (succeeded, or failed for good) ``policy.webhook_response`` ago. The attempt rows, their
    status codes and timings stay for the deliveries log; events are kept whole (the API
    promises it, and their payloads hold ids and statuses only)."""
    cutoff = now - policy.webhook_response
    finished = exists().where(
        WebhookDelivery.id == WebhookAttempt.delivery_id,
        or_(
            and_(
                WebhookDelivery.status == DeliveryStatus.succeeded,
                WebhookDelivery.delivered_at <= cutoff,
            ),
            and_(
                WebhookDelivery.status == DeliveryStatus.failed,
                WebhookDelivery.updated_at <= cutoff,
            ),
        ),
    )
    over = and_(WebhookAttempt.response_body.is_not(None), finished)
    batch = select(WebhookAttempt.id).where(over).limit(limit)
    result = await session.execute(
        update(WebhookAttempt)
        .where(WebhookAttempt.id.in_(batch), over)
        .values(response_body=None)
        .execution_options(synchronize_session=False)
    )
    return _count(result)


async def idempotency_records(
    session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
) -> int:
    """Stored first responses ``policy.idempotency`` after their 24 hours ended."""
    over = IdempotencyRecord.expires_at <= now - policy.idempotency
    key = tuple_(IdempotencyRecord.partner_id, IdempotencyRecord.key)
    batch = select(IdempotencyRecord.partner_id, IdempotencyRecord.key).where(over).limit(limit)
    result = await session.execute(delete(IdempotencyRecord).where(key.in_(batch), over))
    return _count(result)


class Purge(Protocol):
    """Deletes (or blanks) at most ``limit`` rows of one kind; returns how many."""

    async def __call__(
        self, session: AsyncSession, now: datetime, policy: RetentionPolicy, limit: int
    ) -> int: ...


# In this order: a purged draft's files are orphans the same run, a purged link's flow sessions
# go with it.
PURGES: tuple[tuple[str, Purge], ...] = (
    ("drafts", drafts),
    ("uploads", uploads),
    ("consent_progress", consent_progress),
    ("flow_sessions", flow_sessions),
    ("links", links),
    ("phone_codes", phone_codes),
    ("webhook_responses", webhook_responses),
    ("idempotency_records", idempotency_records),
)
