"""The review page's groups, written once and listed by each flow definition.

A group is the step whose Edit link it shows, a title (a message id) and its rows (the field name,
whose label ``messages.LABELS`` holds, and the value as shown); rows without a value are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gangway.flow.context import FlowContext
from gangway.flow.i18n import country_label
from gangway.kit.catalogues import N_
from gangway.onboarding.service import ADDRESS_KEYS

Rows = list[tuple[str, Any]]


@dataclass(frozen=True)
class ReviewGroup:
    step: str
    title: str
    rows: Callable[[FlowContext], Rows]


def groups(ctx: FlowContext, listed: tuple[ReviewGroup, ...]) -> list[dict[str, Any]]:
    """What ``review.html`` renders."""
    t = ctx.t
    return [
        {
            "step": group.step,
            "title": t.gettext(group.title),
            "rows": [(t.label(name), value) for name, value in group.rows(ctx) if value],
        }
        for group in listed
    ]


def address_rows(addr: dict[str, Any], lang: str) -> Rows:
    return [
        ("street1", addr.get("street1")),
        ("street2", addr.get("street2")),
        ("postal_code", addr.get("postal_code")),
        ("city", addr.get("city")),
        ("region", addr.get("region")),
        ("country_code", country_label(addr.get("country_code", ""), lang)),
    ]


def _personal(ctx: FlowContext) -> Rows:
    personal = ctx.step_data("personal")
    return [
        ("first_name", personal.get("first_name")),
        ("last_name", personal.get("last_name")),
        ("date_of_birth", ctx.t.date(personal.get("date_of_birth"))),
        ("nationality", country_label(personal.get("nationality", ""), ctx.lang)),
    ]


def _phone(ctx: FlowContext) -> Rows:
    return [("phone_number", "+" + str(ctx.step_data("phone").get("phone_number", "")))]


def _document(ctx: FlowContext) -> Rows:
    doc, lang, t = ctx.step_data("document"), ctx.lang, ctx.t
    return [
        ("type", t.choice("document_type", doc.get("type", ""))),
        ("number", doc.get("number")),
        ("issuing_country", country_label(doc.get("issuing_country", ""), lang)),
        ("expiry_date", t.date(doc.get("expiry_date"))),
        ("front", t.gettext("Uploaded") if doc.get("front_id") else None),
        ("back", t.gettext("Uploaded") if doc.get("back_id") else None),
    ]


def _selfie(ctx: FlowContext) -> Rows:
    return [("selfie", ctx.t.gettext("Uploaded"))]


def _questions(ctx: FlowContext) -> Rows:
    q, lang = ctx.step_data("questions"), ctx.lang

    def choice(name: str) -> tuple[str, str]:
        return (name, ctx.t.choice(name, q.get(name, "")))

    return [
        choice("employment_status"),
        choice("occupation"),
        choice("source_of_funds"),
        choice("expected_monthly_amount"),
        choice("purpose"),
        ("tax_residence_country", country_label(q.get("tax_residence_country", ""), lang)),
        ("tax_id", q.get("tax_id")),
        ("us_person", ctx.t.yes_no(q.get("us_person"))),
        ("pep", ctx.t.yes_no(q.get("pep"))),
        ("pep_details", q.get("pep_details")),
    ]


def _security(ctx: FlowContext) -> Rows:
    return [
        ("passcode", "••••••"),
        ("passkey", ctx.t.yes_no(ctx.step_data("security").get("passkey"))),
    ]


def _proof(ctx: FlowContext) -> Rows:
    proof = ctx.step_data("proof")
    return [
        ("proof_type", ctx.t.choice("proof_type", proof.get("proof_type", ""))),
        ("issue_date", ctx.t.date(proof.get("issue_date"))),
        ("file", ctx.t.gettext("Uploaded") if proof.get("file_id") else None),
    ]


PERSONAL = ReviewGroup("personal", N_("Personal details"), _personal)
ADDRESS = ReviewGroup(
    "address", N_("Address"), lambda ctx: address_rows(ctx.step_data("address"), ctx.lang)
)
CONFIRMED_ADDRESS = ReviewGroup(
    "address",
    N_("Confirm your address"),
    lambda ctx: address_rows(ctx.step_data("address"), ctx.lang),
)
PHONE = ReviewGroup("phone", N_("Phone number"), _phone)
DOCUMENT = ReviewGroup("document", N_("Identity document"), _document)
SELFIE = ReviewGroup("selfie", N_("Selfie"), _selfie)
QUESTIONS = ReviewGroup("questions", N_("A few questions"), _questions)
SECURITY = ReviewGroup("security", N_("Security"), _security)
PROOF = ReviewGroup("proof", N_("Proof of address"), _proof)


# --- what a consent flow's completion records in its audit entry -------------------------------


def entered_document(data: dict[str, Any]) -> dict[str, Any]:
    doc = data.get("document") or {}
    return {
        "document": {k: doc.get(k) for k in ("type", "number", "issuing_country", "expiry_date")}
    }


def entered_address_and_proof(data: dict[str, Any]) -> dict[str, Any]:
    address, proof = data.get("address") or {}, data.get("proof") or {}
    return {
        "address": {k: address.get(k) or None for k in ADDRESS_KEYS},
        "proof": {k: proof.get(k) for k in ("proof_type", "issue_date")},
    }
