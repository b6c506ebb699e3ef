"""An administrator sets a partner's branding in the back office: the same rules as the API
(contrast, PNG logo, contact), the CSRF token, the audit entry; a reviewer cannot."""

from __future__ import annotations

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import AuditEntry
from gangway.services import Services
from tests.branding.images import jpeg, png
from tests.conftest import PartnerHandle
from tests.review.conftest import StaffBrowser

FORM = {
    "display_name": "Nordpay",
    "primary_color": "#0b6e4f",
    "support_email": "help@nordpay.test",
    "support_phone": "46701234567",
    "support_url": "https://nordpay.example/help",
}


def path_of(partner: PartnerHandle) -> str:
    return f"/admin/partners/{partner.partner_id}/branding"


async def save(
    admin: StaffBrowser, partner: PartnerHandle, logo: bytes | None = None, **fields: str
):  # type: ignore[no-untyped-def]
    files = {"logo": ("logo.png", logo, "image/png")} if logo is not None else None
    return await admin.http.post(
        path_of(partner),
        data={"csrf_token": admin.csrf_token, **fields},
        files=files,
    )


async def test_an_admin_sets_the_branding_and_it_is_audited(
    admin: StaffBrowser, partner: PartnerHandle, services: Services
) -> None:
    detail = await admin.http.get(f"/admin/partners/{partner.partner_id}")
    assert f'href="{path_of(partner)}"' in detail.text
    form = await admin.http.get(path_of(partner))
    assert form.status_code == 200 and 'name="csrf_token"' in form.text

    response = await save(admin, partner, png(200, 50), **FORM)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path_of(partner)}?done=saved"

    api = (await partner.http.get("/v3/branding")).json()
    assert {k: api[k] for k in FORM} == FORM
    assert (api["logo"]["width"], api["logo"]["height"]) == (200, 50)
    shown = await admin.http.get(response.headers["location"])
    assert "The branding was saved." in shown.text and 'value="#0b6e4f"' in shown.text

    async with transaction(services.read_sessions) as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "branding.updated")
        )
    assert entry is not None and entry.actor_type == "staff"
    assert entry.subject_id == partner.partner_id
    assert entry.detail["fields"] == sorted([*FORM, "logo_png"])

    # An empty field clears that part; the logo can be removed.
    cleared = await save(admin, partner, **{**FORM, "support_url": ""}, remove_logo="yes")
    assert cleared.status_code == 303
    api = (await partner.http.get("/v3/branding")).json()
    assert api["support_url"] is None and api["logo"] is None and api["display_name"] == "Nordpay"


async def test_the_back_office_refuses_a_low_contrast_colour_with_the_ratio(
    admin: StaffBrowser, partner: PartnerHandle
) -> None:
    response = await save(admin, partner, **{**FORM, "primary_color": "#ffcc00"})
    assert response.status_code == 400
    assert "1.38:1 against the page background" in response.text
    assert 'value="#ffcc00"' in response.text  # the form keeps what was typed
    assert (await partner.http.get("/v3/branding")).json()["primary_color"] is None


async def test_the_back_office_refuses_a_bad_logo_and_a_bad_contact(
    admin: StaffBrowser, partner: PartnerHandle
) -> None:
    response = await save(admin, partner, jpeg(), **FORM)
    assert response.status_code == 400 and "must be a PNG" in response.text
    oversized = await save(admin, partner, png() + b"\x00" * (256 * 1024), **FORM)
    assert oversized.status_code == 400 and "larger than 256 KiB" in oversized.text
    bad_email = await save(admin, partner, **{**FORM, "support_email": "nope"})
    assert bad_email.status_code == 400 and "support_email" in bad_email.text
    assert (await partner.http.get("/v3/branding")).json()["updated_at"] is None


async def test_saving_needs_the_csrf_token_and_an_admin(
    admin: StaffBrowser, reviewer: StaffBrowser, partner: PartnerHandle
) -> None:
    forged = await admin.http.post(path_of(partner), data={**FORM, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await reviewer.http.get(path_of(partner))).status_code == 403
    assert (await reviewer.post(path_of(partner), **FORM)).status_code == 403
    assert (await partner.http.get("/v3/branding")).json()["updated_at"] is None
    unknown = await admin.http.get("/admin/partners/00000000-0000-0000-0000-000000000000/branding")
    assert unknown.status_code == 404
