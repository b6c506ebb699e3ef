"""Read models of the back-office pages (staff see every partner's data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.kit import normalise
from gangway.kit.ids import parse_uuid
from gangway.models import (
    AuditEntry,
    Event,
    Individual,
    IndividualStatus,
    Partner,
    PendingAction,
    StaffUser,
    VerificationRun,
    VerificationStatus,
)
from gangway.models.onboarding import Document, OnboardingSubmission
from gangway.models.sealed import keyring_of
from gangway.onboarding.submission import SECTION_TITLES, section_fields
from gangway.verification.reasons import explain
from gangway.verification.service import attachments_of, claims_of

QUEUE_LIMIT = 200
RISK_LEVELS = ("low", "medium", "high")


@dataclass
class QueueItem:
    individual: Individual
    partner_name: str
    risk_level: str | None
    failing: list[dict[str, Any]]
    submitted_at: datetime | None
    # The latest verification run's outcome (pass/warn/fail/error), "pending", or None.
    verification: str | None = None


@dataclass
class Dashboard:
    counts: dict[str, int]
    queue_length: int
    oldest_waiting_since: datetime | None
    failed_deliveries: int


@dataclass
class IndividualFile:
    individual: Individual
    partner: Partner
    submission: OnboardingSubmission | None
    documents: list[Document]
    events: list[Event]
    audit_trail: list[AuditEntry]
    pending_actions: list[PendingAction]
    checks: list[dict[str, Any]] = field(default_factory=list)


def _failing(check_results: Any) -> list[dict[str, Any]]:
    if not isinstance(check_results, list):
        return []
    return [c for c in check_results if isinstance(c, dict) and c.get("result") in ("warn", "fail")]


async def dashboard(session: AsyncSession, failed_deliveries: int) -> Dashboard:
    rows = await session.execute(
        select(Individual.status, func.count(Individual.id)).group_by(Individual.status)
    )
    counts = {str(s): 0 for s in IndividualStatus}
    counts.update({status: count for status, count in rows})
    oldest = await session.scalar(
        select(func.min(Individual.updated_at)).where(
            Individual.status == IndividualStatus.onboarding_data_provided
        )
    )
    return Dashboard(
        counts,
        counts[IndividualStatus.onboarding_data_provided],
        oldest,
        failed_deliveries,
    )


def _latest_verification() -> Any:
    """The latest run's outcome per individual (``pending`` while queued, ``error`` if failed)."""
    run = VerificationRun
    state = case(
        (run.status == VerificationStatus.queued, "pending"),
        (run.status == VerificationStatus.failed, "error"),
        else_=run.outcome,
    )
    return (
        select(state)
        .where(run.individual_id == Individual.id)
        .order_by(run.version.desc())
        .limit(1)
        .correlate(Individual)
        .scalar_subquery()
    )


# Worst first when the queue is sorted by verification outcome.
VERIFICATION_ORDER = {"fail": 0, "error": 1, "warn": 2, "pending": 3, "pass": 4}


async def review_queue(
    session: AsyncSession,
    *,
    partner_id: str | None,
    risk: str | None,
    verification: str | None = None,
    sort: str | None = None,
) -> list[QueueItem]:
    """Submitted individuals awaiting a decision, oldest first (or worst verification first)."""
    latest = _latest_verification().label("verification")
    query = (
        select(Individual, Partner.name, OnboardingSubmission, latest)
        .join(Partner, Partner.id == Individual.partner_id)
        .outerjoin(OnboardingSubmission, OnboardingSubmission.individual_id == Individual.id)
        .where(Individual.status == IndividualStatus.onboarding_data_provided)
    )
    parsed_partner = parse_uuid(partner_id) if partner_id else None
    if partner_id:
        query = query.where(Individual.partner_id == parsed_partner)
    if risk in RISK_LEVELS:
        query = query.where(OnboardingSubmission.risk_level == risk)
    if verification == "none":
        query = query.where(_latest_verification().is_(None))
    elif verification in VERIFICATION_FILTERS:
        query = query.where(_latest_verification() == verification)
    query = query.order_by(Individual.updated_at, Individual.id).limit(QUEUE_LIMIT)
    items = [
        QueueItem(
            individual,
            name,
            submission.risk_level if submission else None,
            _failing(submission.check_results if submission else None),
            submission.created_at if submission else None,
            outcome,
        )
        for individual, name, submission, outcome in await session.execute(query)
    ]
    if sort == "verification":
        items.sort(key=lambda item: VERIFICATION_ORDER.get(item.verification or "", 5))
    return items


async def partners(session: AsyncSession) -> list[Partner]:
    return list(await session.scalars(select(Partner).order_by(Partner.name, Partner.id)))


async def individual_file(session: AsyncSession, individual: Individual) -> IndividualFile:
    partner = await session.get(Partner, individual.partner_id)
    assert partner is not None  # a foreign key guarantees it
    submission = await session.scalar(
        select(OnboardingSubmission)
        .where(OnboardingSubmission.individual_id == individual.id)
        .order_by(OnboardingSubmission.created_at.desc())
        .limit(1)
    )
    documents = list(
        await session.scalars(
            select(Document)
            .where(Document.individual_id == individual.id)
            .order_by(Document.created_at, Document.kind)
        )
    )
    events = list(
        await session.scalars(
            select(Event)
            .where(Event.individual_id == individual.id, Event.partner_id == individual.partner_id)
            .order_by(Event.created_at, Event.id)
        )
    )
    return IndividualFile(
        individual=individual,
        partner=partner,
        submission=submission,
        documents=documents,
        events=events,
        audit_trail=await audit.for_subject(session, individual.id),
        pending_actions=await _pending_actions(session, individual.id),
        checks=list(submission.check_results or []) if submission else [],
    )


async def _pending_actions(session: AsyncSession, individual_id: uuid.UUID) -> list[PendingAction]:
    rows = await session.scalars(
        select(PendingAction)
        .where(PendingAction.individual_id == individual_id)
        .order_by(PendingAction.created_at)
    )
    return list(rows)


async def find_individuals(session: AsyncSession, text: str) -> list[Individual]:
    """Look-up across partners by id, exact email, phone number, or full name and date of birth
    ("Anna Svensson 1990-05-01"): through the blind indexes, never plaintext."""
    text = text.strip()
    parsed = parse_uuid(text)
    if parsed is not None:
        query = select(Individual).where(Individual.id == parsed)
    else:
        keyring = keyring_of(session)
        wanted = [
            Individual.email_index == keyring.blind_index("email", normalise.email(text)),
            Individual.phone_index == keyring.blind_index("phone", normalise.phone(text)),
        ]
        name, _, born = text.rpartition(" ")
        birth_date = _date(born)
        if name and birth_date is not None:
            index = normalise.name_and_birth_date(name, "", birth_date)
            wanted.append(Individual.name_dob_index == keyring.blind_index("name_dob", index))
        query = select(Individual).where(or_(*wanted)).limit(50)
    return list(await session.scalars(query))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def pending_actions_to_review(
    session: AsyncSession, *, partner_id: str | None
) -> list[tuple[PendingAction, Individual, str]]:
    """Completed pending actions no reviewer has looked at yet, oldest first."""
    model = PendingAction
    query = (
        select(model, Individual, Partner.name)
        .join(Individual, Individual.id == model.individual_id)
        .join(Partner, Partner.id == Individual.partner_id)
        .where(model.status == "completed", model.reviewed_at.is_(None))
    )
    if partner_id:
        query = query.where(Individual.partner_id == parse_uuid(partner_id))
    query = query.order_by(model.completed_at, model.id).limit(QUEUE_LIMIT)
    return [(action, person, name) for action, person, name in await session.execute(query)]


HIDDEN_KEYS = frozenset({"front_id", "back_id", "selfie_id", "document_id"})


def submitted_sections(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The stored submission as titled lists of ``(field, value)``, in the order of
    ``SubmittedOnboarding`` (keys it does not know, from older rows, follow)."""
    sections: list[tuple[str, list[tuple[str, Any]]]] = [
        ("Contact", [("email", data.get("email"))])
    ]
    for key, title in SECTION_TITLES.items():
        order = section_fields(key)
        values = data.get(key)
        if not isinstance(values, dict):
            sections.append((title, []))
            continue
        names = [k for k in order if k in values]
        names += sorted(k for k in values if k not in order and k not in HIDDEN_KEYS)
        sections.append((title, [(name, values[name]) for name in names]))
    return sections


async def staff_emails(session: AsyncSession, entries: list[AuditEntry]) -> dict[str, str]:
    """Emails of the staff actors of ``entries``, to show instead of their ids."""
    ids = {parse_uuid(e.actor_id) for e in entries if e.actor_type == "staff" and e.actor_id}
    ids.discard(None)
    if not ids:
        return {}
    rows = await session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(ids)))
    return {str(staff_id): email for staff_id, email in rows}


# The MRZ fields shown next to what the user typed, in reading order: (field, MRZ key, claim key).
MRZ_COMPARED = (
    ("document_number", "document_number", "document_number"),
    ("last_name", "surname", "last_name"),
    ("first_names", "given_names", "first_names"),
    ("date_of_birth", "birth_date", "date_of_birth"),
    ("expiry_date", "expiry_date", "expiry_date"),
    ("nationality", "nationality", "nationality"),
    ("issuing_country", "issuing_country", "issuing_country"),
)


def verification_runs(
    runs: list[VerificationRun], submitted: dict[str, Any]
) -> list[dict[str, Any]]:
    """The runs as the individual page shows them: each check with its explanation, the MRZ read
    next to the claims, and the face crops (decrypted for this page only)."""
    claims = claims_of(submitted)
    claimed = {
        "document_number": claims.document_number,
        "last_name": claims.last_name,
        "first_names": claims.first_names,
        "date_of_birth": claims.date_of_birth.isoformat() if claims.date_of_birth else None,
        "expiry_date": claims.expiry_date.isoformat() if claims.expiry_date else None,
        "nationality": claims.nationality,
        "issuing_country": claims.issuing_country,
    }
    shown = []
    for run in runs:
        crops = attachments_of(run) if run.status == VerificationStatus.done else {}
        checks = []
        for check in (run.report or {}).get("checks", []):
            evidence = check.get("evidence") or {}
            found = evidence.get("mrz")
            mrz: dict[str, Any] = found if isinstance(found, dict) else {}
            checks.append(
                {
                    **check,
                    "explained": explain(str(check.get("reason", ""))),
                    "compared": [(f, mrz.get(key), claimed.get(c)) for f, key, c in MRZ_COMPARED],
                    "mismatched": {m.get("field") for m in evidence.get("mismatches") or []},
                    "crops": crops.get(str(check.get("check")), {}),
                }
            )
        shown.append(
            {
                "version": run.version,
                "status": str(run.status),
                "outcome": run.outcome,
                "engine": run.engine,
                "created_at": run.created_at,
                "consent_id": run.consent_id,
                "requested_by": run.requested_by,
                "attempts": run.attempts,
                "last_error": run.last_error,
                "checks": checks,
            }
        )
    return shown


VERIFICATION_FILTERS = ("pass", "warn", "fail", "error", "pending", "none")


async def latest_submission(
    session: AsyncSession, individual_id: uuid.UUID
) -> OnboardingSubmission | None:
    return await session.scalar(
        select(OnboardingSubmission)
        .where(OnboardingSubmission.individual_id == individual_id)
        .order_by(OnboardingSubmission.created_at.desc())
        .limit(1)
    )
