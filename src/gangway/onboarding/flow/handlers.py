"""Step handlers of the onboarding flow: what each step shows (``prepare_*``) and saves."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile

from gangway.models import DocumentKind
from gangway.onboarding import credentials, documents, phone, service
from gangway.onboarding.flow import forms
from gangway.onboarding.flow.context import FlowContext, Outcome
from gangway.onboarding.flow.i18n import choice_label, country_label
from gangway.onboarding.sms import SmsError, SmsSender, sms_sender_for


def _as_form_values(data: dict[str, Any]) -> dict[str, str]:
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
    return {"values": _as_form_values(ctx.step_data(step))}


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


def _sms_sender(ctx: FlowContext) -> SmsSender:
    sender = ctx.runtime.extras.get("sms_sender")
    if sender is None:
        sender = sms_sender_for(ctx.runtime.settings)
        ctx.runtime.extras["sms_sender"] = sender
    return sender


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
        "sandbox": ctx.runtime.settings.is_sandbox,
    }


async def phone_step(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.phone_number(form)
    action = parsed.values["action"]
    settings = ctx.runtime.settings
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
                secret_key=ctx.runtime.secret_key,
                sender=None if settings.is_sandbox else _sms_sender(ctx),
                sandbox=settings.is_sandbox,
                now=ctx.now,
                message=ctx.t("sms_text"),
            )
        except phone.PhoneError as error:
            parsed.fail("phone_number", error.key, wait=error.wait)
            return Outcome(parsed, extra={"code_sent": False})
        except SmsError:
            parsed.fail("phone_number", "sms_failed")
            return Outcome(parsed, extra={"code_sent": False})
        await _save(ctx, "phone", {"phone_number": number, "verified": False}, complete=False)
        return Outcome(stay=True, notice=ctx.t("code_sent", phone="+" + number))
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
            secret_key=ctx.runtime.secret_key,
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


async def _take_file(
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
    limit = ctx.runtime.settings.upload_limit
    content = await _read_upload(form.get(field), limit)
    if content is None:
        return previous_id
    try:
        checked = await documents.check_upload_async(
            content,
            limit=limit,
            allow_pdf=allow_pdf,
            concurrency=ctx.runtime.settings.upload_decode_concurrency,
        )
    except documents.UploadRejected as error:
        parsed.fail(field, str(error))
        return previous_id
    stored = await documents.store(
        ctx.session,
        ctx.individual,
        checked,
        kind=kind,
        sealer=documents.sealer_for(ctx.runtime.secret_key),
        now=ctx.now,
    )
    await documents.discard_unsubmitted(ctx.session, ctx.individual.id, previous_id)
    return str(stored.id)


async def prepare_document(ctx: FlowContext, step: str) -> dict[str, Any]:
    data = ctx.step_data("document")
    return {
        "values": _as_form_values(
            {k: data.get(k) for k in ("type", "number", "issuing_country", "expiry_date")}
        ),
        "has_front": bool(data.get("front_id")),
        "has_back": bool(data.get("back_id")),
    }


async def document(ctx: FlowContext, form: Any) -> Outcome:
    parsed = forms.document(form, ctx.now.date())
    data = ctx.step_data("document")
    front = await _take_file(
        ctx, parsed, form, "front", DocumentKind.document_front, data.get("front_id")
    )
    back = await _take_file(
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
    selfie_id = await _take_file(
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
    parsed = forms.passcode(form)
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
    return Outcome(stay=True, notice=ctx.t("passcode_saved"))


def address_rows(addr: dict[str, Any], lang: str) -> list[tuple[str, Any]]:
    """An address as review rows (onboarding and proof-of-address reviews)."""
    return [
        ("street1", addr.get("street1")),
        ("street2", addr.get("street2")),
        ("postal_code", addr.get("postal_code")),
        ("city", addr.get("city")),
        ("region", addr.get("region")),
        ("country_code", country_label(addr.get("country_code", ""), lang)),
    ]


def review_groups(ctx: FlowContext) -> list[dict[str, Any]]:
    """The review page: every group of entered data with its Edit step."""
    lang, t, d = ctx.lang, ctx.t, ctx.draft.data
    personal, addr = d.get("personal", {}), d.get("address", {})
    doc, q = d.get("document", {}), d.get("questions", {})

    def yes_no(value: Any) -> str:
        return t("yes") if value else t("no")

    groups = [
        (
            "personal",
            "personal_title",
            [
                ("first_name", personal.get("first_name")),
                ("last_name", personal.get("last_name")),
                ("date_of_birth", personal.get("date_of_birth")),
                ("nationality", country_label(personal.get("nationality", ""), lang)),
            ],
        ),
        (
            "address",
            "address_title",
            address_rows(addr, lang),
        ),
        (
            "phone",
            "phone_title",
            [("phone_number", "+" + str(d.get("phone", {}).get("phone_number", "")))],
        ),
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
        (
            "questions",
            "questions_title",
            [
                (
                    "employment_status",
                    choice_label("employment_status", q.get("employment_status", ""), lang),
                ),
                ("occupation", choice_label("occupation", q.get("occupation", ""), lang)),
                (
                    "source_of_funds",
                    choice_label("source_of_funds", q.get("source_of_funds", ""), lang),
                ),
                (
                    "expected_monthly_amount",
                    choice_label(
                        "expected_monthly_amount", q.get("expected_monthly_amount", ""), lang
                    ),
                ),
                ("purpose", choice_label("purpose", q.get("purpose", ""), lang)),
                ("tax_residence_country", country_label(q.get("tax_residence_country", ""), lang)),
                ("tax_id", q.get("tax_id")),
                ("us_person", yes_no(q.get("us_person"))),
                ("pep", yes_no(q.get("pep"))),
                ("pep_details", q.get("pep_details")),
            ],
        ),
        (
            "security",
            "security_title",
            [
                ("passcode", "••••••"),
                ("passkey", yes_no(d.get("security", {}).get("passkey"))),
            ],
        ),
    ]
    return [
        {"step": step, "title": t(title), "rows": [(t(label), v) for label, v in rows if v]}
        for step, title, rows in groups
    ]


async def prepare_review(ctx: FlowContext, step: str) -> dict[str, Any]:
    return {"values": {}, "groups": review_groups(ctx)}


async def review(ctx: FlowContext, form: Any) -> Outcome:
    return Outcome()


async def finish_onboarding(ctx: FlowContext) -> None:
    await service.submit(ctx.session, ctx.individual.id, ctx.now)
