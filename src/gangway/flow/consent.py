"""What only the consent flows (pending actions) do: load and guard the consent, "Confirm it's
you" with a passcode (locked after 5 wrong ones) or a passkey, prefill the address to confirm, and
complete the pending action in one transaction.

Their progress is a ``ConsentProgress`` row per flow session, which the shared step handlers use
like the onboarding draft.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gangway.audit import service as audit
from gangway.consents import service as consents
from gangway.errors import RequestBlocked
from gangway.flow import forms
from gangway.flow.context import FlowContext, Outcome
from gangway.flow.handlers import as_form_values
from gangway.models import (
    ActorType,
    Consent,
    ConsentProgress,
    ConsentStatus,
    FlowSession,
    OnboardingSubmission,
    PendingAction,
)
from gangway.onboarding import credentials, documents, service
from gangway.onboarding.links import LinkExpired
from gangway.pending_actions import service as pending_actions
from gangway.verification import service as verification

MAX_PASSCODE_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
CONFIRM_STEP = "confirm"


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
        # Completed by this very flow session (its progress is marked finished in the same
        # transaction): the done page and a double submit still work.
        progress = await consents.progress_of(ctx_session, flow_session.id)
        if progress is not None:
            await ctx_session.refresh(progress, ["finished"])
            if progress.finished:
                return consent
    raise LinkExpired()


def require_open_consent(consent: Consent | None, now: datetime) -> None:
    """``/flow/start``: a consent link works only while its consent is pending and unexpired."""
    if consent is None or pending_actions.effective_status(consent, now) != ConsentStatus.pending:
        raise LinkExpired()


# --- Confirm it's you --------------------------------------------------------------------------


def locked_until(consent: Consent, now: datetime) -> datetime | None:
    if consent.locked_until is not None and consent.locked_until > now:
        return consent.locked_until
    return None


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
        "locked_text": ctx.t.problem("consent_locked", until=ctx.t.moment(until))
        if until
        else None,
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
        parsed.fail("passcode", "consent_locked", until=ctx.t.moment(until))
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
    common: dict[str, Any] = {
        "now": ctx.now,
        "actor_type": ActorType.system,
        "subject_id": ctx.individual.id,
        "client_ip": ctx.client_ip,
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
        parsed.fail("passcode", "consent_locked", until=ctx.t.moment(consent.locked_until))
    else:
        parsed.fail("passcode", "passcode_wrong", num=MAX_PASSCODE_ATTEMPTS - attempts)
    await _flush(ctx)
    return Outcome(parsed)


# --- proof of address --------------------------------------------------------------------------


async def prepare_last_address(ctx: FlowContext, step: str) -> dict[str, Any]:
    """The address to confirm: as entered in this flow, else the last one submitted."""
    data = ctx.step_data("address")
    if not data:
        submission = await ctx.session.scalar(
            select(OnboardingSubmission).where(
                OnboardingSubmission.individual_id == ctx.individual.id
            )
        )
        if submission is not None and isinstance(submission.data.get("address"), dict):
            data = dict(submission.data["address"])
        else:
            data = dict(ctx.individual.address or {})
    return {"values": as_form_values({k: data.get(k) for k in service.ADDRESS_KEYS})}


# --- completion --------------------------------------------------------------------------------


async def complete(
    ctx: FlowContext,
    *,
    entered: Callable[[dict[str, Any]], dict[str, Any]],
    verify_identity: bool = False,
) -> None:
    """Complete the pending action: documents attached to the consent, consent and action
    completed, audit entry (with what ``entered`` picks of the data) and
    ``PendingActionCompleted`` — all in the request's transaction. A second submit (double
    click, two tabs) finds it completed and changes nothing."""
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
    progress = ctx.draft
    assert isinstance(progress, ConsentProgress)
    document_ids = documents.referenced_ids(progress.data)
    await documents.attach(ctx.session, ctx.individual.id, document_ids, consent_id=consent.id)
    await pending_actions.complete(
        ctx.session,
        action,
        now=ctx.now,
        actor_type=ActorType.system,
        actor_id=None,
        client_ip=ctx.client_ip,
        detail={
            "consent_id": str(consent.id),
            "flow": ctx.flow_session.flow,
            "confirmed_with": progress.data.get(CONFIRM_STEP, {}).get("method"),
            "document_ids": [str(i) for i in document_ids],
            "entered": entered(progress.data),
        },
    )
    if verify_identity and ctx.services.verification_engine is not None:
        # The new photos get their own verification run (the worker compares them).
        await verification.queue(ctx.session, ctx.individual, now=ctx.now, consent_id=consent.id)
    progress.finished = True
    await ctx.session.flush()
