"""Verification runs: queued after a submission (or an identity-verification consent), run by the
worker (``jobs.py``), re-run on a reviewer's request; their reports become submission checks."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.checks.results import Outcome, RiskLevel
from gangway.individuals.decisions import Actor, Decision, decide
from gangway.models import (
    ActorType,
    Document,
    DocumentKind,
    Individual,
    IndividualStatus,
    OnboardingSubmission,
    VerificationRun,
    VerificationStatus,
)
from gangway.models.sealed import row_sealer
from gangway.verification.engine import CheckOutcome, Claims, VerificationReport
from gangway.verification.engine.claims import DocumentType
from gangway.verification.port import CHECK_IDS
from gangway.verification.reasons import explain

# How a report's outcome counts among the automated checks (an engine error needs a human: warn).
AS_CHECK_RESULT = {
    CheckOutcome.passed: Outcome.passed,
    CheckOutcome.warn: Outcome.warn,
    CheckOutcome.fail: Outcome.fail,
    CheckOutcome.error: Outcome.warn,
}
DOCUMENT_TYPES = {
    "passport": DocumentType.passport,
    "national_id": DocumentType.id_card,
    "residence_permit": DocumentType.residence_permit,
}


async def queue(
    session: AsyncSession,
    individual: Individual,
    *,
    now: datetime,
    submission_id: uuid.UUID | None = None,
    consent_id: uuid.UUID | None = None,
    requested_by: str | None = None,
) -> VerificationRun:
    """A new run (the next version for this individual), due at once."""
    latest = await session.scalar(
        select(func.max(VerificationRun.version)).where(
            VerificationRun.individual_id == individual.id
        )
    )
    run = VerificationRun(
        individual_id=individual.id,
        partner_id=individual.partner_id,
        submission_id=submission_id,
        consent_id=consent_id,
        version=(latest or 0) + 1,
        status=VerificationStatus.queued,
        attempts=0,
        next_attempt_at=now,
        requested_by=requested_by,
        created_at=now,
    )
    session.add(run)
    await session.flush()
    return run


async def queue_after_submission(
    session: AsyncSession, submission: OnboardingSubmission, individual: Individual, now: datetime
) -> None:
    """After-submission step (listed by the composition root when verification is on)."""
    await queue(session, individual, now=now, submission_id=submission.id)


def claims_of(data: dict[str, Any]) -> Claims:
    """What the engine compares the document with: the frozen submission's typed values."""
    personal = _section(data, "personal")
    document = _section(data, "document")
    return Claims(
        document_number=document.get("number") or None,
        first_names=personal.get("first_name") or None,
        last_name=personal.get("last_name") or None,
        date_of_birth=_date(personal.get("date_of_birth")),
        expiry_date=_date(document.get("expiry_date")),
        nationality=personal.get("nationality") or None,
        issuing_country=document.get("issuing_country") or None,
        document_type=DOCUMENT_TYPES.get(str(document.get("type") or "")),
    )


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def photos_of(session: AsyncSession, run: VerificationRun) -> dict[DocumentKind, bytes]:
    """The run's photos, decrypted: the submission's, or the consent's for a re-verification."""
    query = select(Document).where(Document.individual_id == run.individual_id)
    if run.consent_id is not None:
        query = query.where(Document.consent_id == run.consent_id)
    else:
        query = query.where(Document.submission_id == run.submission_id)
    photos: dict[DocumentKind, bytes] = {}
    for document in await session.scalars(query.order_by(Document.created_at)):
        kind = DocumentKind(document.kind)
        photos[kind] = row_sealer(document).open(document.sealed, document.associated_data())
    return photos


def check_results(report: VerificationReport) -> list[dict[str, Any]]:
    """The report as entries of the checks table (``submission.check_results``)."""
    return [
        {
            "check": check.check,
            "result": str(AS_CHECK_RESULT[check.outcome]),
            "reason": explain(check.reason),
            "detail": {"verification": True, "reason_key": check.reason},
        }
        for check in report.checks
    ]


def risk_with(results: list[dict[str, Any]]) -> RiskLevel:
    outcomes = {r.get("result") for r in results if isinstance(r, dict)}
    if Outcome.fail in outcomes:
        return RiskLevel.high
    if Outcome.warn in outcomes:
        return RiskLevel.medium
    return RiskLevel.low


async def record_report(
    session: AsyncSession,
    run: VerificationRun,
    report: VerificationReport,
    *,
    now: datetime,
) -> None:
    """Store the report on the run and, for a submission, in its checks table and risk level."""
    document = report.to_dict()
    attachments = {
        check["check"]: check.pop("attachments", {}) for check in document.get("checks", [])
    }
    run.report = document
    run.attachments_sealed = row_sealer(run).seal(
        json.dumps(attachments).encode(), run.associated_data() + b":attachments"
    )
    run.engine = report.engine
    run.outcome = str(report.outcome)
    run.status = VerificationStatus.done
    run.next_attempt_at = None
    run.finished_at = now
    if run.submission_id is not None:
        submission = await session.get(OnboardingSubmission, run.submission_id)
        if submission is not None:
            kept = [
                c
                for c in (submission.check_results or [])
                if not (isinstance(c, dict) and c.get("check") in CHECK_IDS)
            ]
            submission.check_results = [*kept, *check_results(report)]
            submission.risk_level = str(risk_with(submission.check_results))
    await session.flush()


def attachments_of(run: VerificationRun) -> dict[str, dict[str, str]]:
    """``{check: {name: base64 JPEG}}`` of a finished run (face crops), for staff pages only."""
    if run.attachments_sealed is None:
        return {}
    opened: dict[str, dict[str, str]] = json.loads(
        row_sealer(run).open(run.attachments_sealed, run.associated_data() + b":attachments")
    )
    return opened


async def runs_of(session: AsyncSession, individual_id: uuid.UUID) -> list[VerificationRun]:
    """Every run of an individual, newest first (the back office shows them side by side)."""
    rows = await session.scalars(
        select(VerificationRun)
        .where(VerificationRun.individual_id == individual_id)
        .order_by(VerificationRun.version.desc())
    )
    return list(rows)


async def approve_if_low_risk(session: AsyncSession, run: VerificationRun, now: datetime) -> None:
    """The operator's automatic approval, once verification is in: only when every check of the
    submission, verification included, passed and nobody has decided yet (actor ``system``)."""
    submission = await session.get(OnboardingSubmission, run.submission_id)
    individual = await session.get(Individual, run.individual_id)
    if (
        submission is None
        or individual is None
        or submission.risk_level != RiskLevel.low
        or individual.status != IndividualStatus.onboarding_data_provided
    ):
        return
    await decide(
        session,
        individual,
        Decision.approve,
        actor=Actor(ActorType.system, None),
        now=now,
        note="Auto-approved: every automated check, identity verification included, passed.",
    )


async def record_simulated(
    session: AsyncSession,
    individual_id: uuid.UUID,
    *,
    now: datetime,
    auto_approve_low_risk: bool,
) -> None:
    """Sandbox KYC simulation: its synthetic pictures are no documents, so the run queued by the
    submission gets a simulated report (every check passes, marked as simulated)."""
    from gangway.verification.port import simulated_report

    queued = await session.scalars(
        select(VerificationRun).where(
            VerificationRun.individual_id == individual_id,
            VerificationRun.status == VerificationStatus.queued,
        )
    )
    for run in list(queued):
        await record_report(session, run, simulated_report(), now=now)
        if auto_approve_low_risk and run.submission_id is not None:
            await approve_if_low_risk(session, run, now)
