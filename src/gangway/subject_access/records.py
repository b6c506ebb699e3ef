"""What the subject-access export says about one individual: every record, read through the ORM,
described with plain-language field names (``records.json``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.models import (
    AuditEntry,
    Consent,
    ConsentProgress,
    Document,
    Event,
    FlowSession,
    IdentityFingerprint,
    Individual,
    IndividualCredential,
    OnboardingDraft,
    OnboardingLink,
    OnboardingSubmission,
    Partner,
    PendingAction,
    PhoneVerification,
    VerificationRun,
    WebauthnCredential,
    WebhookAttempt,
    WebhookDelivery,
)
from gangway.verification import service as verification

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


@dataclass(frozen=True)
class Held:
    """Every row about one individual."""

    individual: Individual
    partner: Partner | None
    drafts: list[OnboardingDraft]
    submissions: list[OnboardingSubmission]
    docs: list[Document]
    consents: list[Consent]
    actions: list[PendingAction]
    progress: list[ConsentProgress]
    events: list[Event]
    deliveries: list[WebhookDelivery]
    attempts: list[WebhookAttempt]
    links: list[OnboardingLink]
    flow_sessions: list[FlowSession]
    phone_codes: list[PhoneVerification]
    passcode: IndividualCredential | None
    passkeys: list[WebauthnCredential]
    fingerprints: list[IdentityFingerprint]
    runs: list[VerificationRun]
    audit_entries: list[AuditEntry]


def plain(key: str) -> str:
    """``date_of_birth`` → ``Date of birth``: the field names of the stored JSON, for a reader."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def plain_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {plain(str(k)): plain_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_tree(v) for v in value]
    return value


def json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def document_path(document: Document) -> str:
    extension = EXTENSIONS.get(document.content_type, "bin")
    return (
        f"documents/{document.created_at:%Y%m%dT%H%M%S}-{document.kind}-{document.id}.{extension}"
    )


async def _all(session: AsyncSession, statement: Any) -> list[Any]:
    return list(await session.scalars(statement))


async def _of(session: AsyncSession, model: Any, individual_id: uuid.UUID) -> list[Any]:
    """The individual's rows of ``model``, oldest first."""
    return await _all(
        session,
        select(model).where(model.individual_id == individual_id).order_by(model.created_at),
    )


async def load(session: AsyncSession, individual: Individual) -> Held:
    """Every row about ``individual``, selected by its id (events also by its partner)."""
    iid = individual.id
    partner = await session.get(Partner, individual.partner_id)
    drafts = await _of(session, OnboardingDraft, iid)
    submissions = await _of(session, OnboardingSubmission, iid)
    docs = await _of(session, Document, iid)
    consents = await _of(session, Consent, iid)
    consent_ids = [c.id for c in consents]
    actions = await _of(session, PendingAction, iid)
    progress = await _all(
        session, select(ConsentProgress).where(ConsentProgress.consent_id.in_(consent_ids))
    )
    events = await _all(
        session,
        select(Event)
        .where(Event.individual_id == iid, Event.partner_id == individual.partner_id)
        .order_by(Event.created_at, Event.id),
    )
    deliveries = await _all(
        session,
        select(WebhookDelivery)
        .where(WebhookDelivery.event_id.in_([e.id for e in events]))
        .order_by(WebhookDelivery.created_at),
    )
    attempts = await _all(
        session,
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_([d.id for d in deliveries]))
        .order_by(WebhookAttempt.attempted_at),
    )
    links = await _of(session, OnboardingLink, iid)
    flow_sessions = await _of(session, FlowSession, iid)
    phone_codes = await _of(session, PhoneVerification, iid)
    passcode = await session.get(IndividualCredential, iid)
    passkeys = await _of(session, WebauthnCredential, iid)
    fingerprints = await _of(session, IdentityFingerprint, iid)
    runs = await verification.runs_of(session, iid)
    subjects = {str(iid), *(str(x.id) for x in (*actions, *consents, *submissions, *docs))}
    audit_entries: list[AuditEntry] = []
    for subject in sorted(subjects):
        audit_entries.extend(await audit.for_subject(session, subject))
    audit_entries.sort(key=lambda e: (e.created_at, str(e.id)))

    return Held(
        individual=individual,
        partner=partner,
        drafts=drafts,
        submissions=submissions,
        docs=docs,
        consents=consents,
        actions=actions,
        progress=progress,
        events=events,
        deliveries=deliveries,
        attempts=attempts,
        links=links,
        flow_sessions=flow_sessions,
        phone_codes=phone_codes,
        passcode=passcode,
        passkeys=passkeys,
        fingerprints=fingerprints,
        runs=runs,
        audit_entries=audit_entries,
    )


def describe(held: Held, crops: dict[str, list[str]], now: datetime) -> dict[str, Any]:
    """The plain-language JSON; ``crops`` names the face-crop files of each run (by run id)."""
    individual = held.individual
    partner = held.partner
    drafts = held.drafts
    submissions = held.submissions
    docs = held.docs
    consents = held.consents
    actions = held.actions
    progress = held.progress
    events = held.events
    deliveries = held.deliveries
    attempts = held.attempts
    links = held.links
    flow_sessions = held.flow_sessions
    phone_codes = held.phone_codes
    passcode = held.passcode
    passkeys = held.passkeys
    fingerprints = held.fingerprints
    runs = held.runs
    audit_entries = held.audit_entries
    iid = individual.id
    ids = {"Individual id": str(iid)}
    return {
        "About this file": (
            "Everything Gangway holds about one person, exported for a subject access request. "
            "Files sent by the person are in the documents/ folder; face crops made by the "
            "identity verification are in the verification/ folder."
        ),
        "Exported at": now,
        "Individual": {
            **ids,
            "Partner": partner.name if partner else None,
            "Partner id": individual.partner_id,
            "Status": individual.status,
            "First name": individual.first_name,
            "Last name": individual.last_name,
            "Email": individual.email,
            "Phone number": individual.phone_number,
            "Date of birth": individual.date_of_birth,
            "Address": plain_tree(individual.address),
            "Created at": individual.created_at,
            "Last changed at": individual.updated_at,
        },
        "Onboarding drafts (as last entered in the flow)": [
            {
                "Draft id": d.id,
                "What was entered": plain_tree(d.data),
                "Steps completed": d.completed_steps,
                "Started at": d.created_at,
                "Last changed at": d.updated_at,
            }
            for d in drafts
        ],
        "Onboarding submissions": [
            {
                "Submission id": s.id,
                "What was submitted": plain_tree(s.data),
                "Risk level": s.risk_level,
                "Automated check results": plain_tree(s.check_results),
                "Submitted at": s.created_at,
            }
            for s in submissions
        ],
        "Documents": [
            {
                "Document id": d.id,
                "Kind": d.kind,
                "File in this archive": document_path(d),
                "Content type": d.content_type,
                "Size in bytes": d.size,
                "SHA-256 of the file": d.sha256,
                "Part of submission": d.submission_id,
                "Sent for consent": d.consent_id,
                "Uploaded at": d.created_at,
            }
            for d in docs
        ],
        "Identity verification runs": [
            {
                "Run id": r.id,
                "Run number": r.version,
                "Status": r.status,
                "Engine": r.engine,
                "Outcome": r.outcome,
                "Report": plain_tree(r.report),
                "Face crops in this archive": crops.get(str(r.id), []),
                "For submission": r.submission_id,
                "For consent": r.consent_id,
                "Requested by": r.requested_by,
                "Queued at": r.created_at,
                "Finished at": r.finished_at,
            }
            for r in runs
        ],
        "Pending actions": [
            {
                "Pending action id": a.id,
                "Type": a.type,
                "Description shown to the person": a.description,
                "Status": a.status,
                "Consent id": a.consent_id,
                "Expires at": a.expires_at,
                "Created at": a.created_at,
                "Completed at": a.completed_at,
                "Reviewed by staff at": a.reviewed_at,
            }
            for a in actions
        ],
        "Consents": [
            {
                "Consent id": c.id,
                "Type": c.type,
                "Status": c.status,
                "Expires at": c.expires_at,
                "Created at": c.created_at,
                "Completed at": c.completed_at,
                "Failed passcode attempts": c.failed_passcode_attempts,
                "Locked until": c.locked_until,
            }
            for c in consents
        ],
        "Consent flow entries": [
            {
                "Consent id": p.consent_id,
                "What was entered": plain_tree(p.data),
                "Steps completed": p.completed_steps,
                "Finished": p.finished,
                "Started at": p.created_at,
                "Last changed at": p.updated_at,
            }
            for p in progress
        ],
        "Events sent to the partner": [
            {
                "Event id": e.id,
                "Name": e.name,
                "Content": plain_tree(e.payload),
                "Created at": e.created_at,
                "Webhook deliveries": [
                    {
                        "Delivery id": d.id,
                        "Webhook endpoint id": d.endpoint_id,
                        "Status": d.status,
                        "Delivered at": d.delivered_at,
                        "Attempts": [
                            {
                                "Attempted at": a.attempted_at,
                                "Succeeded": a.succeeded,
                                "Response status code": a.status_code,
                                "Error": a.error,
                                "Response from the partner's server": a.response_body,
                            }
                            for a in attempts
                            if a.delivery_id == d.id
                        ],
                    }
                    for d in deliveries
                    if d.event_id == e.id
                ],
            }
            for e in events
        ],
        "Onboarding links": [
            {
                "Link id": link.id,
                "Flow": link.flow,
                "Consent id": link.consent_id,
                "Return address": link.return_url,
                "Created at": link.created_at,
                "Expires at": link.expires_at,
                "Last opened at": link.last_opened_at,
                "Last opened from": link.last_platform,
            }
            for link in links
        ],
        "Flow sessions (browsers that opened a link)": [
            {
                "Flow session id": f.id,
                "Flow": f.flow,
                "Platform": f.platform,
                "Started at": f.created_at,
                "Expires at": f.expires_at,
            }
            for f in flow_sessions
        ],
        "Phone verifications": [
            {
                "Phone number": p.phone_number,
                "Code sent at": p.created_at,
                "Code expires at": p.expires_at,
                "Verified at": p.verified_at,
                "Wrong codes entered": p.tries,
            }
            for p in phone_codes
        ],
        "Credentials (no secrets)": {
            "Passcode set": bool(passcode and passcode.passcode_hash),
            "Passcode set at": passcode.created_at if passcode else None,
            "Passcode last changed at": passcode.updated_at if passcode else None,
            "Passkeys": [{"Registered at": k.created_at} for k in passkeys],
        },
        "Duplicate-detection fingerprints (hashes, not values)": [
            {"Kind": f.kind, "Created at": f.created_at} for f in fingerprints
        ],
        "Audit log entries": [
            {
                "When": e.created_at,
                "Who (kind)": e.actor_type,
                "Who": e.actor_id,
                "Action": e.action,
                "About": e.subject_id,
                "From address": e.client_ip,
                "Details": plain_tree(e.detail),
            }
            for e in audit_entries
        ],
    }
