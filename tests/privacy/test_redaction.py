"""Erasure: at once before submission, held after it, completed by the job; a tombstone stays."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import (
    AuditEntry,
    DataKey,
    Document,
    Event,
    OnboardingSubmission,
    RedactionRequest,
)
from gangway.privacy import service as privacy
from gangway.services import Services
from tests.conftest import PartnerHandle, create_individual
from tests.review.conftest import submit_individual


async def redact(partner: PartnerHandle, individual_id: str, **body: Any) -> Any:
    return await partner.http.post(f"/v3/individuals/{individual_id}/redact", json=body or None)


async def count(services: Services, statement: Any) -> int:
    async with services.read_sessions() as session:
        return int(await session.scalar(statement) or 0)


async def test_never_submitted_is_erased_at_once_and_stays_as_a_tombstone(
    services: Services, partner: PartnerHandle
) -> None:
    created = await create_individual(partner)
    answer = await redact(partner, created["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    fetched = await partner.http.get(f"/v3/individuals/{created['id']}")
    assert fetched.status_code == 200
    body = fetched.json()
    assert body["redacted_at"] is not None
    for field in ("first_name", "last_name", "email", "phone_number", "date_of_birth", "address"):
        assert body[field] is None, field
    listed = (await partner.http.get("/v3/individuals")).json()["data"]
    assert created["id"] in [row["id"] for row in listed]
    assert (
        await count(
            services,
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.individual_id == uuid.UUID(created["id"])),
        )
        == 0
    )
    # Idempotent: the same answer again.
    again = await redact(partner, created["id"])
    assert (
        again.status_code == 200 and again.json()["completed_at"] == answer.json()["completed_at"]
    )
    # No further change is allowed.
    patched = await partner.http.patch(f"/v3/individuals/{created['id']}", json={"email": "a@b.se"})
    assert patched.status_code == 422
    assert patched.json()["error"]["code"] == "request_blocked"
    async with services.read_sessions() as session:
        names = list(
            await session.scalars(
                select(Event.name).where(Event.individual_id == uuid.UUID(created["id"]))
            )
        )
        audit = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == created["id"]))
        )
    assert "IndividualRedacted" in names
    redacted = next(entry for entry in audit if entry.action == "individual.redacted")
    assert redacted.detail["reason"] == "data_subject_request"
    assert created["email"] not in str(redacted.detail)


async def test_submitted_is_held_for_the_retention_period_then_erased_by_the_job(
    services: Services, partner: PartnerHandle, clock: FrozenClock
) -> None:
    submitted = await submit_individual(partner)
    answer = await redact(partner, submitted["id"], reason="relationship_ended")
    assert answer.status_code == 202, answer.text
    held = answer.json()
    assert held["status"] == "pending"
    days = services.settings.redaction_retention_days
    assert days >= 5 * 365
    # Still readable while held; documents still there.
    assert (await partner.http.get(f"/v3/individuals/{submitted['id']}")).json()["email"]
    documents = (
        select(func.count())
        .select_from(Document)
        .where(Document.individual_id == uuid.UUID(submitted["id"]))
    )
    assert await count(services, documents) > 0
    async with transaction(services.sessions) as session:
        assert await privacy.complete_due(session, clock.now() + timedelta(days=days - 1)) == 0
    assert (await partner.http.get(f"/v3/individuals/{submitted['id']}")).json()["email"]
    async with transaction(services.sessions) as session:
        assert await privacy.complete_due(session, clock.now() + timedelta(days=days, hours=1)) == 1
    body = (await partner.http.get(f"/v3/individuals/{submitted['id']}")).json()
    assert body["email"] is None and body["redacted_at"] is not None
    assert await count(services, documents) == 0
    async with services.read_sessions() as session:
        submission = await session.scalar(
            select(OnboardingSubmission).where(
                OnboardingSubmission.individual_id == uuid.UUID(submitted["id"])
            )
        )
        assert submission is not None
        assert submission.data is None and submission.sealed_data is None
        assert submission.risk_level is not None  # the tombstone keeps the decision's context


async def test_a_compliance_officer_can_approve_an_earlier_erasure(
    services: Services, partner: PartnerHandle, clock: FrozenClock
) -> None:
    submitted = await submit_individual(partner)
    assert (await redact(partner, submitted["id"])).status_code == 202
    async with transaction(services.sessions) as session:
        request = await session.get(RedactionRequest, uuid.UUID(submitted["id"]))
        assert request is not None

        await privacy.approve_early(
            session,
            request,
            staff_id=uuid.uuid4(),
            note="Account closed, no AML case",
            now=clock.now(),
        )
    async with transaction(services.sessions) as session:
        assert await privacy.complete_due(session, clock.now()) == 1
    body = (await partner.http.get(f"/v3/individuals/{submitted['id']}")).json()
    assert body["redacted_at"] is not None


async def test_another_partners_individual_is_a_404(
    partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    created = await create_individual(partner)
    answer = await redact(other_partner, created["id"])
    assert answer.status_code == 404
    assert (await partner.http.get(f"/v3/individuals/{created['id']}")).json()["email"]


async def test_a_bad_reason_is_a_400_in_the_envelope(partner: PartnerHandle) -> None:
    created = await create_individual(partner)
    answer = await redact(partner, created["id"], reason="because")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "validation_error"
