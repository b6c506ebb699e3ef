"""The retention purges, kind by kind, with the frozen clock: what is deleted, and what is kept."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.bootstrap import build_services, retention_task
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import (
    Consent,
    ConsentProgress,
    ConsentStatus,
    ConsentType,
    DeliveryStatus,
    Document,
    DocumentKind,
    Event,
    FlowSession,
    IdempotencyRecord,
    OnboardingDraft,
    OnboardingLink,
    OnboardingSubmission,
    PhoneVerification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from gangway.retention import purges
from gangway.retention.purges import RetentionPolicy
from gangway.services import Services
from gangway.worker.jobs import BatchedPurgeTask
from tests.conftest import START, PartnerHandle, create_individual, make_settings

POLICY = RetentionPolicy()


async def purge(services: Services, kind: purges.Purge, days: float, limit: int = 100) -> int:
    async with transaction(services.sessions) as session:
        return await kind(session, START + timedelta(days=days), POLICY, limit)


async def count(services: Services, model: Any, *where: Any) -> int:
    async with transaction(services.read_sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def individual_ids(partner: PartnerHandle, n: int) -> list[uuid.UUID]:
    return [uuid.UUID((await create_individual(partner))["id"]) for _ in range(n)]


def draft(individual_id: uuid.UUID, partner_id: str, updated_days: float = 0) -> OnboardingDraft:
    return OnboardingDraft(
        individual_id=individual_id,
        partner_id=uuid.UUID(partner_id),
        data={"personal": {"first_name": "Ada"}},
        completed_steps=["personal"],
        created_at=START,
        updated_at=START + timedelta(days=updated_days),
    )


def submission(individual_id: uuid.UUID, partner_id: str) -> OnboardingSubmission:
    return OnboardingSubmission(
        id=uuid.uuid4(),
        individual_id=individual_id,
        partner_id=uuid.UUID(partner_id),
        data={"personal": {"first_name": "Ada"}},
        created_at=START,
    )


def document(individual_id: uuid.UUID, partner_id: str, days: float = 0, **links: Any) -> Document:
    return Document(
        individual_id=individual_id,
        partner_id=uuid.UUID(partner_id),
        kind=DocumentKind.document_front,
        content_type="image/png",
        size=3,
        sha256="0" * 64,
        sealed=b"abc",
        created_at=START + timedelta(days=days),
        **links,
    )


def consent(individual_id: uuid.UUID, partner_id: str, status: ConsentStatus) -> Consent:
    return Consent(
        id=uuid.uuid4(),
        partner_id=uuid.UUID(partner_id),
        individual_id=individual_id,
        type=ConsentType.identity_verification,
        status=status,
        expires_at=START + timedelta(days=1),
        created_at=START,
    )


def link_and_session(
    individual_id: uuid.UUID, partner_id: str, consent_id: uuid.UUID | None = None
) -> tuple[OnboardingLink, FlowSession]:
    link = OnboardingLink(
        id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex,
        individual_id=individual_id,
        partner_id=uuid.UUID(partner_id),
        consent_id=consent_id,
        expires_at=START + timedelta(hours=1),
        created_at=START,
    )
    flow_session = FlowSession(
        id=uuid.uuid4(),
        session_hash=uuid.uuid4().hex,
        link_id=link.id,
        individual_id=individual_id,
        partner_id=uuid.UUID(partner_id),
        flow="onboarding",
        consent_id=consent_id,
        platform="web",
        created_at=START,
        expires_at=START + timedelta(hours=1),
    )
    return link, flow_session


async def add(services: Services, *rows: Any) -> None:
    async with transaction(services.sessions) as session:
        for row in rows:
            session.add(row)
            await session.flush()


async def test_unsubmitted_drafts_are_purged_after_the_retention_and_submitted_ones_kept(
    services: Services, partner: PartnerHandle
) -> None:
    idle, recent, submitted = await individual_ids(partner, 3)
    await add(
        services,
        draft(idle, partner.partner_id),
        draft(recent, partner.partner_id, updated_days=10),
        draft(submitted, partner.partner_id),
        submission(submitted, partner.partner_id),
    )
    assert await purge(services, purges.drafts, 29) == 0
    assert await purge(services, purges.drafts, 31) == 1
    left = await count(services, OnboardingDraft)
    assert left == 2
    assert await count(services, OnboardingDraft, OnboardingDraft.individual_id == idle) == 0
    assert await purge(services, purges.drafts, 41) == 1  # the one changed on day 10
    assert await count(services, OnboardingDraft, OnboardingDraft.individual_id == submitted) == 1


async def test_orphan_uploads_are_purged_and_files_of_submissions_drafts_and_consents_kept(
    services: Services, partner: PartnerHandle
) -> None:
    orphaned, drafting, submitted, consenting, in_consent_flow = await individual_ids(partner, 5)
    pid = partner.partner_id
    sub = submission(submitted, pid)
    done = consent(consenting, pid, ConsentStatus.completed)
    open_consent = consent(in_consent_flow, pid, ConsentStatus.pending)
    link, flow_session = link_and_session(in_consent_flow, pid, open_consent.id)
    await add(services, sub, done, open_consent, link, flow_session)
    await add(
        services,
        ConsentProgress(
            flow_session_id=flow_session.id,
            consent_id=open_consent.id,
            individual_id=in_consent_flow,
            data={},
            completed_steps=[],
            created_at=START,
            updated_at=START,
        ),
        draft(drafting, pid),
        orphan := document(orphaned, pid),
        young := document(orphaned, pid, days=20),
        document(drafting, pid),
        document(submitted, pid, submission_id=sub.id),
        replaced := document(submitted, pid),  # not part of the submission
        document(consenting, pid, consent_id=done.id),
        document(in_consent_flow, pid),
    )
    assert await purge(services, purges.uploads, 29) == 0
    assert await purge(services, purges.uploads, 31) == 2
    remaining = {d.id for d in await all_documents(services)}
    assert orphan.id not in remaining and replaced.id not in remaining
    assert young.id in remaining and len(remaining) == 5
    # Once the draft is purged, its files are orphans too.
    assert await purge(services, purges.drafts, 31) == 1
    assert await purge(services, purges.uploads, 31) == 1
    assert await purge(services, purges.uploads, 51) == 1  # the young one
    assert await count(services, Document, Document.individual_id == submitted) == 1
    assert await count(services, Document, Document.individual_id == consenting) == 1
    assert await count(services, Document, Document.individual_id == in_consent_flow) == 1


async def all_documents(services: Services) -> list[Document]:
    async with transaction(services.read_sessions) as session:
        return list(await session.scalars(select(Document)))


async def test_flow_sessions_links_and_phone_codes_go_after_their_expiry_and_retention(
    services: Services, partner: PartnerHandle
) -> None:
    (person,) = await individual_ids(partner, 1)
    link, flow_session = link_and_session(person, partner.partner_id)
    code = PhoneVerification(
        individual_id=person,
        phone_number="46627211111",
        code_hash="0" * 64,
        created_at=START,
        expires_at=START + timedelta(minutes=10),
    )
    await add(services, link, flow_session, code)
    assert await purge(services, purges.flow_sessions, 0.01) == 0
    assert await purge(services, purges.flow_sessions, 0.1) == 1
    assert await purge(services, purges.phone_codes, 0.5) == 0
    assert await purge(services, purges.phone_codes, 1.1) == 1
    assert await purge(services, purges.links, 29) == 0
    assert await purge(services, purges.links, 30.1) == 1
    assert await count(services, OnboardingLink) == 0


async def test_a_links_flow_sessions_go_with_it(services: Services, partner: PartnerHandle) -> None:
    (person,) = await individual_ids(partner, 1)
    link, flow_session = link_and_session(person, partner.partner_id)
    flow_session.expires_at = START + timedelta(days=60)
    await add(services, link, flow_session)
    assert await purge(services, purges.links, 31) == 1
    assert await count(services, FlowSession) == 0


async def test_entries_of_consent_flows_that_ended_unfinished_are_purged(
    services: Services, partner: PartnerHandle
) -> None:
    expired_for, pending_for, done_for = await individual_ids(partner, 3)
    pid = partner.partner_id
    rows: list[Any] = []
    progress: dict[ConsentStatus, ConsentProgress] = {}
    for person, status in (
        (expired_for, ConsentStatus.expired),
        (pending_for, ConsentStatus.pending),
        (done_for, ConsentStatus.completed),
    ):
        item = consent(person, pid, status)
        link, flow_session = link_and_session(person, pid, item.id)
        flow_session.expires_at = START + timedelta(days=90)
        progress[status] = ConsentProgress(
            flow_session_id=flow_session.id,
            consent_id=item.id,
            individual_id=person,
            data={"proof": {"file_id": None}},
            completed_steps=[],
            finished=status is ConsentStatus.completed,
            created_at=START,
            updated_at=START,
        )
        rows += [item, link, flow_session, progress[status]]
    await add(services, *rows)
    assert await purge(services, purges.consent_progress, 30) == 0
    assert await purge(services, purges.consent_progress, 31.1) == 1
    kept = await count(services, ConsentProgress)
    assert kept == 2
    gone = progress[ConsentStatus.expired].id
    assert await count(services, ConsentProgress, ConsentProgress.id == gone) == 0
    # The consent itself (and what the partner API lists) stays.
    assert await count(services, Consent) == 3


async def test_response_bodies_of_finished_deliveries_are_blanked_and_the_attempts_kept(
    services: Services, partner: PartnerHandle
) -> None:
    (person,) = await individual_ids(partner, 1)
    pid = uuid.UUID(partner.partner_id)
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        partner_id=pid,
        url="https://example.com/hook",
        events=[],
        secret_sealed="x",
        created_at=START,
        updated_at=START,
    )
    event = Event(
        id=uuid.uuid4(),
        partner_id=pid,
        individual_id=person,
        name="IndividualActivated",
        payload={"individual_id": str(person), "status": "activated"},
        created_at=START,
    )
    rows: list[Any] = [endpoint, event]
    attempts = {}
    for status in (DeliveryStatus.succeeded, DeliveryStatus.pending, DeliveryStatus.failed):
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            partner_id=pid,
            event_id=event.id,
            event_name=event.name,
            status=status,
            delivered_at=START if status is DeliveryStatus.succeeded else None,
            created_at=START,
            updated_at=START,
        )
        attempts[status] = WebhookAttempt(
            id=uuid.uuid4(),
            delivery_id=delivery.id,
            attempted_at=START,
            succeeded=status is DeliveryStatus.succeeded,
            status_code=200,
            duration_ms=5,
            response_body="hello Ada",
        )
        rows += [delivery, attempts[status]]
    await add(services, *rows)
    assert await purge(services, purges.webhook_responses, 29) == 0
    assert await purge(services, purges.webhook_responses, 31) == 2
    async with transaction(services.read_sessions) as session:
        bodies = {a.id: a.response_body for a in await session.scalars(select(WebhookAttempt))}
        kept_event = await session.get(Event, event.id)
    assert bodies == {
        attempts[DeliveryStatus.succeeded].id: None,
        attempts[DeliveryStatus.failed].id: None,
        attempts[DeliveryStatus.pending].id: "hello Ada",
    }
    assert kept_event is not None and kept_event.payload["status"] == "activated"


async def test_idempotency_records_go_when_their_24_hours_end(
    services: Services, partner: PartnerHandle
) -> None:
    pid = uuid.UUID(partner.partner_id)
    await add(
        services,
        *(
            IdempotencyRecord(
                partner_id=pid,
                key=f"key-{hours}",
                request_hash="0" * 64,
                created_at=START,
                expires_at=START + timedelta(hours=hours),
            )
            for hours in (24, 48)
        ),
    )
    assert await purge(services, purges.idempotency_records, 0.9) == 0
    assert await purge(services, purges.idempotency_records, 1.5) == 1
    assert await count(services, IdempotencyRecord, IdempotencyRecord.key == "key-48") == 1


async def test_the_task_purges_in_bounded_batches_and_logs_counts(
    services: Services, partner: PartnerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    (person,) = await individual_ids(partner, 1)
    await add(
        services,
        *(
            PhoneVerification(
                individual_id=person,
                phone_number="46627211111",
                code_hash="0" * 64,
                created_at=START,
                expires_at=START,
            )
            for _ in range(5)
        ),
    )
    sizes: list[int] = []

    async def counted(session: AsyncSession, now: Any, *, limit: int) -> int:
        done = await purges.phone_codes(session, now, POLICY, limit)
        sizes.append(done)
        return done

    task = BatchedPurgeTask(
        "retention.purge", services.sessions, [("codes", counted)], batch_size=2
    )
    with caplog.at_level(logging.INFO, logger="gangway.worker.jobs"):
        counts = await task.run(START + timedelta(days=2))
    assert counts == {"codes": 5}
    assert sizes == [2, 2, 1]
    line = next(r for r in caplog.records if getattr(r, "kind", None) == "codes")
    assert (line.count, line.batches) == (5, 3)  # type: ignore[attr-defined]


async def test_the_retention_settings_set_each_age(
    settings: Any, database_url: str, services: Services, partner: PartnerHandle
) -> None:
    (person,) = await individual_ids(partner, 1)
    await add(services, draft(person, partner.partner_id))
    clock = FrozenClock(START + timedelta(days=6))
    default = await retention_task(services).run(clock.now())
    assert default["drafts"] == 0
    shorter = build_services(make_settings(database_url, retention_draft_days=5), clock=clock)
    try:
        task = retention_task(shorter)
        assert task.interval_seconds == 3600
        assert (await task.run(clock.now()))["drafts"] == 1
    finally:
        await shorter.engine.dispose()


def test_every_retention_setting_is_documented_with_its_default() -> None:
    from gangway.config import Settings
    from tests.conftest import ROOT

    guide = (ROOT / "docs" / "operations.md").read_text()
    names = [name for name in Settings.model_fields if name.startswith("retention_")]
    assert len(names) == 10
    for name in names:
        default = Settings.model_fields[name].default
        assert f"| `GANGWAY_{name.upper()}` | `{default}` |" in guide, name


async def test_a_draft_saved_while_the_purge_waits_for_its_row_lock_is_kept(
    services: Services, partner: PartnerHandle, is_postgres: bool
) -> None:
    """PostgreSQL: the purge's DELETE re-checks the age on the row it waited for."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL only (SQLite has one writer at a time)")
    import asyncio

    from sqlalchemy import text, update

    (person,) = await individual_ids(partner, 1)
    await add(services, draft(person, partner.partner_id))
    now = START + timedelta(days=31)
    async with transaction(services.sessions) as saver:
        await saver.execute(update(OnboardingDraft).values(updated_at=now))
        purging = asyncio.create_task(purge(services, purges.drafts, 31))
        for _ in range(500):  # until the purge waits for the saver's row lock
            async with services.engine.connect() as probe:
                waiting = await probe.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'DELETE FROM onboarding_drafts%'"
                    )
                )
            if waiting:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the purge never waited for the row lock")
        assert not purging.done()
    assert await purging == 0
    assert await count(services, OnboardingDraft) == 1
