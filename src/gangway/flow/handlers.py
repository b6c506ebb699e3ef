"""Step handlers of the hosted flows: what each step shows (``prepare_*``) and saves.

Each exists once; the flow definitions (``flow.definitions``) list which flow uses which.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.datastructures import UploadFile

from gangway.flow import forms
from gangway.flow import review as review_page
from gangway.flow.context import FlowContext, Outcome
from gangway.models import DocumentKind
from gangway.onboarding import credentials, documents, phone, service
from gangway.onboarding.sms import SmsError
from gangway.verification.engine import quality


def as_form_values(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in data.items():
        if isinstance(value, bool):
            out[key] = "yes" if value else "no"
        elif value is None:
            out[key] = ""
        else:
            out[key] = str(value)
    return out


async def prepare_from_draft(ctx: FlowContext, step: str) -> dict[str, Any]:
    return {"values": as_form_values(ctx.step_data(step))}


async def _save(
    ctx: FlowContext, step: str, values: dict[str, Any], *, complete: bool = True
) -> None:
    await service.save_step(ctx.session, ctx.draft, step, values, ctx.now, complete=complete)


async def welcome(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.welcome(form)
    if parsed.ok:
        await _save(ctx, "welcome", {"accepted_terms": True, "accepted_at": ctx.now.isoformat()})
    return Outcome(parsed)


async def personal(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.personal(form, ctx.now.date())
    if parsed.ok:
        await _save(ctx, "personal", parsed.cleaned)
    return Outcome(parsed)


async def address(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.address(form)
    if parsed.ok:
        await _save(ctx, "address", parsed.cleaned)
    return Outcome(parsed)


# --- phone -------------------------------------------------------------------------------------


async def prepare_phone(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("phone")
    latest = await phone.latest(ctx.session, ctx.individual.id)
    code_sent = bool(
        latest is not None
        and latest.phone_number == data.get("phone_number")
        and latest.verified_at is None
        and latest.expires_at > ctx.now
    )
    return {
        "values": {"phone_number": "+" + data["phone_number"] if data.get("phone_number") else ""},
        "code_sent": code_sent,
        "verified": bool(data.get("verified")),
        "sandbox": ctx.services.settings.is_sandbox,
    }


async def phone_step(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.phone_number(form)
    action = parsed.values["action"]
    settings = ctx.services.settings
    if not parsed.ok:
        return Outcome(parsed, extra={"code_sent": action == "verify"})
    number = parsed.cleaned["phone_number"]
    current = ctx.step_data("phone")
    if action == "send":
        try:
            await phone.send_code(
                ctx.session,
                ctx.individual,
                number,
                secret_key=ctx.services.secret_key,
                sender=None if settings.is_sandbox else ctx.services.sms_sender,
                sandbox=settings.is_sandbox,
                now=ctx.now,
                # Translators: keep {code} as it is; it becomes the six digits.
                message=ctx.t.gettext("Your verification code is {code}"),
            )
        except phone.PhoneError as error:
            parsed.fail("phone_number", error.key, num=error.wait)
            return Outcome(parsed, extra={"code_sent": False})
        except SmsError:
            parsed.fail("phone_number", "sms_failed")
            return Outcome(parsed, extra={"code_sent": False})
        await _save(ctx, "phone", {"phone_number": number, "verified": False}, complete=False)
        return Outcome(
            stay=True, notice=ctx.t.gettext("We sent a code to %(phone)s.", phone="+" + number)
        )
    if (
        current.get("verified")
        and current.get("phone_number") == number
        and not parsed.values["code"]
    ):
        return Outcome(parsed)  # already verified, nothing changed
    forms.phone_code(parsed)
    if not parsed.ok:
        return Outcome(parsed, extra={"code_sent": True})
    try:
        await phone.check_code(
            ctx.session,
            ctx.individual,
            number,
            parsed.cleaned["code"],
            secret_key=ctx.services.secret_key,
            sandbox=settings.is_sandbox,
            now=ctx.now,
        )
    except phone.PhoneError as error:
        field = "phone_number" if error.key == "code_not_sent" else "code"
        parsed.fail(field, error.key)
        parsed.values["code"] = ""
        return Outcome(parsed, extra={"code_sent": error.key != "code_not_sent"})
    await _save(ctx, "phone", {"phone_number": number, "verified": True})
    return Outcome(parsed)


# --- files -------------------------------------------------------------------------------------


async def _read_upload(upload: Any, limit: int) -> bytes | None:
    """The bytes of a chosen file, ``None`` when the field was left empty."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(limit + 1)
    return content if content or upload.filename else None


async def take_file(
    ctx: FlowContext,
    parsed: forms.Parsed,
    form: Any,
    field: str,
    kind: DocumentKind,
    previous_id: str | None,
    *,
    allow_pdf: bool = False,
) -> str | None:
    """Store the uploaded file of ``field`` (replacing ``previous_id``); return the id to keep."""
    limit = ctx.services.settings.upload_limit
    content = await _read_upload(form.get(field), limit)
    if content is None:
        return previous_id
    try:
        checked = await documents.check_upload_async(
            content,
            limit=limit,
            allow_pdf=allow_pdf,
            concurrency=ctx.services.settings.upload_decode_concurrency,
        )
    except documents.UploadRejected as error:
        parsed.fail(field, str(error))
        return previous_id
    problem = await _photo_problem(ctx, checked, kind)
    if problem is not None:
        parsed.fail(field, problem)
        return previous_id
    stored = await documents.store(
        ctx.session,
        ctx.individual,
        checked,
        kind=kind,
        now=ctx.now,
    )
    await documents.discard_unsubmitted(ctx.session, ctx.individual.id, previous_id)
    return str(stored.id)


PHOTO_KINDS = {
    DocumentKind.document_front: quality.ImageKind.document,
    DocumentKind.document_back: quality.ImageKind.document,
    DocumentKind.selfie: quality.ImageKind.selfie,
}


async def _photo_problem(
    ctx: FlowContext, checked: documents.CheckedFile, kind: DocumentKind
) -> str | None:
    """A blurred, dark or glaring photo is told to the user now ("take it again"), so that it
    never reaches review. Off in sandbox unless configured (any picture works there)."""
    image_kind = PHOTO_KINDS.get(kind)
    if image_kind is None or not ctx.services.settings.checks_photos_at_upload:
        return None
    return await asyncio.to_thread(quality.upload_problem, checked.content, image_kind)


async def prepare_document(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("document")
    return {
        "values": as_form_values(
            {k: data.get(k) for k in ("type", "number", "issuing_country", "expiry_date")}
        ),
        "has_front": bool(data.get("front_id")),
        "has_back": bool(data.get("back_id")),
    }


async def document(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.document(form, ctx.now.date())
    data = ctx.step_data("document")
    front = await take_file(
        ctx, parsed, form, "front", DocumentKind.document_front, data.get("front_id")
    )
    back = await take_file(
        ctx, parsed, form, "back", DocumentKind.document_back, data.get("back_id")
    )
    if parsed.cleaned.get("type") == "passport" and back:
        await documents.discard_unsubmitted(ctx.session, ctx.individual.id, back)
        back = None
    if not front:
        parsed.fail("front", "file_required")
    if parsed.values["type"] in ("national_id", "driving_licence") and not back:
        parsed.fail("back", "file_required")
    # Keep accepted uploads even when another field has an error: nothing chosen is lost.
    files = {"front_id": front, "back_id": back}
    if parsed.ok:
        await _save(ctx, "document", {**parsed.cleaned, **files})
    else:
        await _save(ctx, "document", {**data, **files}, complete=False)
    return Outcome(parsed, extra={"has_front": bool(front), "has_back": bool(back)})


async def prepare_selfie(ctx: FlowContext, step: str) -> dict[str, Any]:
    return {"values": {}, "has_selfie": bool(ctx.step_data("selfie").get("selfie_id"))}


async def selfie(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.Parsed({})
    data = ctx.step_data("selfie")
    selfie_id = await take_file(
        ctx, parsed, form, "selfie", DocumentKind.selfie, data.get("selfie_id")
    )
    if not selfie_id:
        parsed.fail("selfie", "file_required")
    await _save(ctx, "selfie", {"selfie_id": selfie_id}, complete=parsed.ok)
    return Outcome(parsed, extra={"has_selfie": bool(selfie_id)})


# --- questions, security, review ---------------------------------------------------------------


async def questions(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.questions(form)
    if parsed.ok:
        await _save(ctx, "questions", parsed.cleaned)
    return Outcome(parsed)


async def prepare_security(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("security")
    return {
        "values": {},
        "passcode_set": bool(data.get("passcode_set")),
        "passkey": bool(data.get("passkey")),
        "change": ctx.request.query_params.get("change") == "1",
    }


async def security(ctx: FlowContext, form: Any) -> Outcome:
    data = ctx.step_data("security")
    if form.get("action") == "continue":
        if not data.get("passcode_set"):
            parsed = forms.Parsed({"passcode": "", "passcode_confirm": ""})
            parsed.fail("passcode", "required")
            return Outcome(parsed)
        await _save(ctx, "security", {**data, "passkey": bool(data.get("passkey"))})
        return Outcome()
    changing = bool(data.get("passcode_set"))
    parsed = forms.passcode(form, changing=changing)
    if changing and parsed.ok:
        # Whoever holds this browser must know the passcode that later approves consents.
        current = parsed.cleaned["current_passcode"]
        if not await credentials.verify_passcode(ctx.session, ctx.individual.id, current):
            parsed.fail("current_passcode", "passcode_current_wrong")
    if not parsed.ok:
        return Outcome(parsed, extra={"change": True})
    await credentials.set_passcode(
        ctx.session, ctx.individual.id, parsed.cleaned["passcode"], ctx.now
    )
    await _save(
        ctx,
        "security",
        {"passcode_set": True, "passkey": bool(data.get("passkey"))},
        complete=False,
    )
    return Outcome(stay=True, notice=ctx.t.gettext("Your passcode is saved."))


async def prepare_proof(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("proof")
    return {
        "values": as_form_values({k: data.get(k) for k in ("proof_type", "issue_date")}),
        "has_file": bool(data.get("file_id")),
    }


async def proof(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.proof(form, ctx.now.date())
    data = ctx.step_data("proof")
    file_id = await take_file(
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
    await _save(ctx, "proof", values, complete=parsed.ok)
    return Outcome(parsed, extra={"has_file": bool(file_id)})


async def prepare_review(ctx: FlowContext, step: str) -> dict[str, Any]:
    return {"values": {}, "groups": review_page.groups(ctx, ctx.definition.review)}


async def review(ctx: FlowContext, form: Any) -> Outcome:
    """The review step saves nothing; its POST completes the flow (``definition.complete``)."""
    return Outcome()


async def submit_onboarding(ctx: FlowContext) -> None:
    await service.submit(
        ctx.session,
        ctx.individual.id,
        ctx.now,
        after_submission=ctx.services.after_submission,
    )
