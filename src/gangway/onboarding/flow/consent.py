"""The consent flows (pending actions): "Confirm it's you", then identity documents or a proof of
address, review, and completion of the pending action in one transaction.

Progress is kept per flow session (``FlowSession.state``) through :class:`ConsentDraft`, which the
shared step handlers (``document``, ``selfie``, ``address``) use like the onboarding draft.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gangway.audit import service as audit
from gangway.errors import RequestBlocked
from gangway.models import (
    ActorType,
    Consent,
    ConsentStatus,
    Document,
    DocumentKind,
    FlowSession,
    OnboardingSubmission,
    PendingAction,
)
from gangway.onboarding import credentials, service
from gangway.onboarding.flow import forms
from gangway.onboarding.flow.context import FlowContext, Outcome
from gangway.onboarding.flow.handlers import _as_form_values, _take_file, address_rows
from gangway.onboarding.flow.i18n import choice_label, country_label
from gangway.onboarding.links import LinkExpired
from gangway.pending_actions import service as pending_actions

MAX_PASSCODE_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
CONFIRM_STEP = "confirm"


class ConsentDraft:
    """A consent flow's progress on its flow session, shaped like ``OnboardingDraft``."""

    def __init__(self, flow_session: FlowSession) -> None:
        self.flow_session = flow_session

    def _state(self) -> dict[str, Any]:
        return dict(self.flow_session.state or {})

    def _set(self, **values: Any) -> None:
        self.flow_session.state = {**self._state(), **values}  # a new dict: the ORM sees it

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._state().get("data") or {})

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._set(data=value)

    @property
    def completed_steps(self) -> list[str]:
        return list(self._state().get("completed") or [])

    @completed_steps.setter
    def completed_steps(self, value: list[str]) -> None:
        self._set(completed=value)

    @property
    def updated_at(self) -> datetime:
        return self.flow_session.created_at

    @updated_at.setter
    def updated_at(self, value: datetime) -> None:
        self._set(updated_at=value.isoformat())

    @property
    def finished(self) -> bool:
        return bool(self._state().get("finished"))

    def mark_finished(self) -> None:
        self._set(finished=True)


async def load_consent(
    ctx_session: AsyncSession, flow_session: FlowSession, now: datetime
) -> Consent:
    """The flow session's consent while it is pending and unexpired (or completed by this very
    session, so the done page and a double submit still work); otherwise 410."""
    consent = None
    if flow_session.consent_id is not None:
        consent = await ctx_session.get(Consent, flow_session.consent_id)
    if consent is None or consent.individual_id != flow_session.individual_id:
        raise LinkExpired()
    status = pending_actions.effective_status(consent, now)
    if status == ConsentStatus.pending:
        return consent
    if status == ConsentStatus.completed:
        # The flow session was read first: re-read it, a concurrent completion by this very
        # session (double submit) committed both rows together.
        await ctx_session.refresh(flow_session, ["state"])
        if (flow_session.state or {}).get("finished"):
            return consent
    raise LinkExpired()


def require_open_consent(consent: Consent | None, now: datetime) -> None:
    """``/flow/start``: a consent link works only while its consent is pending and unexpired."""
    if consent is None or pending_actions.effective_status(consent, now) != ConsentStatus.pending:
        raise LinkExpired()


def start_state() -> dict[str, Any]:
    return {"data": {}, "completed": [], "finished": False}


# --- Confirm it's you --------------------------------------------------------------------------


def locked_until(consent: Consent, now: datetime) -> datetime | None:
    if consent.locked_until is not None and consent.locked_until > now:
        return consent.locked_until
    return None


def _clock_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _consent(ctx: FlowContext) -> Consent:
    assert ctx.consent is not None
    return ctx.consent


async def prepare_confirm(ctx: FlowContext, step: str) -> dict[str, Any]:
    consent = _consent(ctx)
    until = locked_until(consent, ctx.now)
    passkeys = await credentials.passkeys(ctx.session, ctx.individual.id)
    return {
        "values": {},
        "confirmed": CONFIRM_STEP in ctx.draft.completed_steps,
        "locked_text": ctx.t("consent_locked", until=_clock_text(until)) if until else None,
        "has_passkey": bool(passkeys),
    }


async def _flush(ctx: FlowContext) -> None:
    try:
        await ctx.session.flush()
    except StaleDataError:
        raise RequestBlocked(
            "The verification was changed by a concurrent request; reload and try again."
        ) from None


async def mark_confirmed(ctx: FlowContext, method: str) -> None:
    consent = _consent(ctx)
    consent.failed_passcode_attempts = 0
    consent.locked_until = None
    await service.save_step(
        ctx.session, ctx.draft, CONFIRM_STEP, {"method": method, "at": ctx.now.isoformat()}, ctx.now
    )
    await _flush(ctx)


async def _lock_consent(ctx: FlowContext) -> Consent:
    """Re-read the consent under a row lock: concurrent guesses are counted one after the other
    (otherwise parallel requests could test many passcodes for one counted attempt)."""
    consent = await ctx.session.scalar(
        select(Consent)
        .where(Consent.id == _consent(ctx).id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert consent is not None
    ctx.consent = consent
    return consent


async def confirm(ctx: FlowContext, form: Any) -> Outcome:
    if CONFIRM_STEP in ctx.draft.completed_steps and form.get("action") == "continue":
        return Outcome()
    consent = await _lock_consent(ctx)
    until = locked_until(consent, ctx.now)
    if until is not None:
        parsed = forms.Parsed({"passcode": ""})
        parsed.fail("passcode", "consent_locked", until=_clock_text(until))
        return Outcome(parsed)
    parsed = forms.confirm_passcode(form)
    if not parsed.ok:
        return Outcome(parsed)
    if await credentials.verify_passcode(
        ctx.session, ctx.individual.id, parsed.cleaned["passcode"]
    ):
        await mark_confirmed(ctx, "passcode")
        return Outcome(parsed)
    consent.failed_passcode_attempts = (consent.failed_passcode_attempts or 0) + 1
    attempts = consent.failed_passcode_attempts
    client_ip = ctx.request.client.host if ctx.request.client else None
    common: dict[str, Any] = {
        "now": ctx.now,
        "actor_type": ActorType.system,
        "subject_id": ctx.individual.id,
        "client_ip": client_ip,
    }
    await audit.record(
        ctx.session,
        action="consent.passcode_failed",
        detail={"consent_id": str(consent.id), "attempt": attempts},
        **common,
    )
    if attempts >= MAX_PASSCODE_ATTEMPTS:
        consent.locked_until = ctx.now + LOCK_DURATION
        consent.failed_passcode_attempts = 0
        await audit.record(
            ctx.session,
            action="consent.locked",
            detail={"consent_id": str(consent.id), "until": consent.locked_until.isoformat()},
            **common,
        )
        parsed.fail("passcode", "consent_locked", until=_clock_text(consent.locked_until))
    else:
        parsed.fail("passcode", "passcode_wrong", left=MAX_PASSCODE_ATTEMPTS - attempts)
    await _flush(ctx)
    return Outcome(parsed)


# --- proof of address --------------------------------------------------------------------------


async def _last_address(ctx: FlowContext) -> dict[str, Any]:
    submission = await ctx.session.scalar(
        select(OnboardingSubmission).where(OnboardingSubmission.individual_id == ctx.individual.id)
    )
    if submission is not None and isinstance(submission.data.get("address"), dict):
        return dict(submission.data["address"])
    return dict(ctx.individual.address or {})


async def prepare_address(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("address") or await _last_address(ctx)
    return {"values": _as_form_values({k: data.get(k) for k in service.ADDRESS_KEYS})}


async def address(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.address(form)
    if parsed.ok:
        await service.save_step(ctx.session, ctx.draft, "address", parsed.cleaned, ctx.now)
    return Outcome(parsed)


async def prepare_proof(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("proof")
    return {
        "values": _as_form_values({k: data.get(k) for k in ("proof_type", "issue_date")}),
        "has_file": bool(data.get("file_id")),
    }


async def proof(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.proof(form, ctx.now.date())
    data = ctx.step_data("proof")
    file_id = await _take_file(
        ctx,
        parsed,
        form,
        "file",
        DocumentKind.proof_of_address,
        data.get("file_id"),
        allow_pdf=True,
    )
    if not file_id:
        parsed.fail("file", "file_required")
    values = {**parsed.cleaned, "file_id": file_id} if parsed.ok else {**data, "file_id": file_id}
    await service.save_step(ctx.session, ctx.draft, "proof", values, ctx.now, complete=parsed.ok)
    return Outcome(parsed, extra={"has_file": bool(file_id)})


# --- review and completion ---------------------------------------------------------------------


def review_groups(ctx: FlowContext) -> list[dict[str, Any]]:
    lang, t, d = ctx.lang, ctx.t, ctx.draft.data
    if ctx.flow_session.flow == "proof_of_address_verification":
        addr, prf = d.get("address", {}), d.get("proof", {})
        groups = [
            (
                "address",
                "address_confirm_title",
                address_rows(addr, lang),
            ),
            (
                "proof",
                "proof_title",
                [
                    ("proof_type", choice_label("proof_type", prf.get("proof_type", ""), lang)),
                    ("issue_date", prf.get("issue_date")),
                    ("proof_file", t("uploaded") if prf.get("file_id") else None),
                ],
            ),
        ]
    else:
        doc = d.get("document", {})
        groups = [
            (
                "document",
                "document_title",
                [
                    ("document_type", choice_label("document_type", doc.get("type", ""), lang)),
                    ("document_number", doc.get("number")),
                    ("issuing_country", country_label(doc.get("issuing_country", ""), lang)),
                    ("expiry_date", doc.get("expiry_date")),
                    ("front", t("uploaded") if doc.get("front_id") else None),
                    ("back", t("uploaded") if doc.get("back_id") else None),
                ],
            ),
            ("selfie", "selfie_title", [("selfie", t("uploaded"))]),
        ]
    return [
        {"step": step, "title": t(title), "rows": [(t(label), v) for label, v in rows if v]}
        for step, title, rows in groups
    ]


async def prepare_review(ctx: FlowContext, step: str) -> dict[str, Any]:
    return {"values": {}, "groups": review_groups(ctx)}


async def review(ctx: FlowContext, form: Any) -> Outcome:
    return Outcome()


DOCUMENT_REFS = (
    ("document", "front_id"),
    ("document", "back_id"),
    ("selfie", "selfie_id"),
    ("proof", "file_id"),
)


def entered_data(ctx: FlowContext) -> dict[str, Any]:
    """What the user entered, as staff see it in the audit entry of the completion."""
    d = ctx.draft.data
    if ctx.flow_session.flow == "proof_of_address_verification":
        proof_data = d.get("proof", {})
        return {
            "address": {k: d.get("address", {}).get(k) or None for k in service.ADDRESS_KEYS},
            "proof": {k: proof_data.get(k) for k in ("proof_type", "issue_date")},
        }
    doc = d.get("document", {})
    return {
        "document": {k: doc.get(k) for k in ("type", "number", "issuing_country", "expiry_date")}
    }


async def finish(ctx: FlowContext) -> None:
    """Complete the pending action: documents attached to the consent, consent and action
    completed, audit entry and ``PendingActionCompleted`` — all in the request's transaction.
    A second submit (double click, two tabs) finds it completed and changes nothing."""
    consent = _consent(ctx)
    action = await ctx.session.scalar(
        select(PendingAction)
        .where(PendingAction.consent_id == consent.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if action is None:  # pragma: no cover - created together with the consent
        raise LinkExpired()
    if action.status == ConsentStatus.completed:
        return
    if pending_actions.effective_status(action, ctx.now) != ConsentStatus.pending:
        raise LinkExpired()
    draft = ctx.draft
    assert isinstance(draft, ConsentDraft)
    document_ids = [
        uuid.UUID(draft.data[step][key])
        for step, key in DOCUMENT_REFS
        if draft.data.get(step, {}).get(key)
    ]
    if document_ids:
        await ctx.session.execute(
            update(Document)
            .where(Document.id.in_(document_ids), Document.individual_id == ctx.individual.id)
            .values(consent_id=consent.id)
        )
    await pending_actions.complete(
        ctx.session,
        action,
        now=ctx.now,
        actor_type=ActorType.system,
        actor_id=None,
        client_ip=ctx.request.client.host if ctx.request.client else None,
        detail={
            "consent_id": str(consent.id),
            "flow": ctx.flow_session.flow,
            "confirmed_with": draft.data.get(CONFIRM_STEP, {}).get("method"),
            "document_ids": [str(i) for i in document_ids],
            "entered": entered_data(ctx),
        },
    )
    draft.mark_finished()
    await ctx.session.flush()
