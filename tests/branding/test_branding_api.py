"""``GET/PATCH /v3/branding``: validation (colour, contrast, logo, contact), tenant isolation,
the audit entry, and the stylesheet and logo served with ETags to the flow's pages."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from gangway.branding import service as branding_service
from gangway.branding.contrast import contrast_ratio
from gangway.branding.logo import MAX_BASE64_LENGTH, MAX_LOGO_BYTES
from gangway.branding.service import Actor
from gangway.config import Settings
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import ActorType, AuditEntry
from gangway.services import Services
from tests.branding.images import b64, jpeg, png
from tests.conftest import PartnerHandle

NORDPAY = {
    "display_name": "Nordpay",
    "primary_color": "#0b6e4f",
    "support_email": "help@nordpay.test",
    "support_phone": "+46701234567",
    "support_url": "https://nordpay.example/help",
}


def error_of(response: httpx.Response, status: int = 400) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text
    error: dict = response.json()["error"]  # type: ignore[type-arg]
    assert error["code"] == ("validation_error" if status == 400 else error["code"])
    return error


def fields_of(error: dict) -> list[str]:  # type: ignore[type-arg]
    return [d["field"] for d in error.get("details", [])]


async def test_an_unbranded_partner_reads_nulls(partner: PartnerHandle) -> None:
    response = await partner.http.get("/v3/branding")
    assert response.status_code == 200
    assert response.json() == {
        "display_name": None,
        "primary_color": None,
        "support_email": None,
        "support_phone": None,
        "support_url": None,
        "logo": None,
        "updated_at": None,
    }


async def test_patch_sets_the_branding_and_get_reads_it_back(
    partner: PartnerHandle, services: Services
) -> None:
    response = await partner.http.patch("/v3/branding", json=NORDPAY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Nordpay"
    assert body["primary_color"] == "#0b6e4f"
    assert body["support_phone"] == "46701234567"
    assert body["updated_at"].endswith("Z")
    assert (await partner.http.get("/v3/branding")).json() == body

    # Only the fields given change; null clears one.
    changed = await partner.http.patch("/v3/branding", json={"support_url": None})
    assert changed.json()["support_url"] is None
    assert changed.json()["display_name"] == "Nordpay"

    async with transaction(services.read_sessions) as db:
        entries = (
            await db.scalars(select(AuditEntry).where(AuditEntry.action == "branding.updated"))
        ).all()
    assert [e.detail["fields"] for e in entries] == [
        sorted(NORDPAY),
        ["support_url"],
    ]
    assert {e.actor_type for e in entries} == {"partner"}
    assert {e.subject_id for e in entries} == {partner.partner_id}


@pytest.mark.parametrize(
    "color", ["0b6e4f", "#0b6e4", "#0b6e4fa", "#GGGGGG", "red", "#0b6e4f ", 123]
)
async def test_a_colour_that_is_not_hex_rrggbb_is_refused(
    partner: PartnerHandle, color: object
) -> None:
    error = error_of(await partner.http.patch("/v3/branding", json={"primary_color": color}))
    assert fields_of(error) == ["primary_color"]


@pytest.mark.parametrize(
    ("color", "page_ratio", "text_ratio"),
    [
        ("#ffcc00", "1.38:1", "1.51:1"),
        ("#4f9dff", "2.53:1", "2.76:1"),
        ("#767676", "4.15:1", "4.54:1"),
    ],
)
async def test_a_colour_below_wcag_aa_contrast_is_refused_with_the_measured_ratios(
    partner: PartnerHandle, color: str, page_ratio: str, text_ratio: str
) -> None:
    error = error_of(await partner.http.patch("/v3/branding", json={"primary_color": color}))
    assert fields_of(error) == ["primary_color"]
    message = error["details"][0]["message"]
    assert f"{page_ratio} against the page background #f3f5f8" in message
    assert f"{text_ratio} against the button text #ffffff" in message
    assert "primary_color" in error["message"] and page_ratio in error["message"]
    # Refused, not adjusted: nothing was stored.
    assert (await partner.http.get("/v3/branding")).json()["primary_color"] is None


def test_the_reported_ratios_are_measured_not_hard_coded() -> None:
    assert f"{contrast_ratio('#767676', '#ffffff'):.2f}" == "4.54"
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#1d4ed8", "#f3f5f8") >= 4.5


async def test_a_dark_enough_colour_is_accepted_as_given(partner: PartnerHandle) -> None:
    response = await partner.http.patch("/v3/branding", json={"primary_color": "#0B6E4F"})
    assert response.status_code == 200, response.text
    assert response.json()["primary_color"] == "#0b6e4f"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"support_email": "not an email"}, "support_email"),
        ({"support_email": "help@localhost"}, "support_email"),
        ({"support_phone": "12"}, "support_phone"),
        ({"support_phone": "+999123456789"}, "support_phone"),
        ({"support_url": "ftp://nordpay.example/help"}, "support_url"),
        ({"support_url": "javascript:alert(1)"}, "support_url"),
        ({"support_url": "https://nordpay.example/help#top"}, "support_url"),
        ({"support_url": "http://nordpay.example/help"}, "support_url"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "Nord\u0000pay"}, "display_name"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"logo_url": "https://nordpay.example/logo.png"}, "logo_url"),
    ],
)
async def test_a_bad_contact_or_name_is_refused(
    partner: PartnerHandle,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    error = error_of(await partner.http.patch("/v3/branding", json=body))
    assert fields_of(error) == [field]


async def test_one_bad_field_changes_nothing(partner: PartnerHandle) -> None:
    response = await partner.http.patch(
        "/v3/branding", json={"display_name": "Nordpay", "primary_color": "#ffff00"}
    )
    error_of(response)
    assert (await partner.http.get("/v3/branding")).json()["display_name"] is None


@pytest.mark.parametrize(
    ("logo", "words"),
    [
        ("not base64!", "not valid base64"),
        ("", "must be a PNG"),
        (b64(b"GIF89a" + b"\x00" * 40), "must be a PNG"),
        (b64(jpeg()), "must be a PNG"),
        (b64(png()[:60]), "could not be read"),
        (b64(png(8, 8)), "between 16 and 1024"),
        (b64(png(2000, 20)), "between 16 and 1024"),
    ],
)
async def test_a_logo_that_is_not_an_acceptable_png_is_refused(
    partner: PartnerHandle, logo: str, words: str
) -> None:
    error = error_of(await partner.http.patch("/v3/branding", json={"logo_png": logo}))
    assert fields_of(error) == ["logo_png"]
    assert words in error["details"][0]["message"]


async def test_an_oversized_logo_is_refused(partner: PartnerHandle) -> None:
    oversized = b64(png() + b"\x00" * MAX_LOGO_BYTES)
    error = error_of(await partner.http.patch("/v3/branding", json={"logo_png": oversized}))
    assert fields_of(error) == ["logo_png"]
    # The schema's maxLength is the base64 length of 256 KiB.
    assert f"at most {MAX_BASE64_LENGTH} characters" in error["details"][0]["message"]
    assert MAX_BASE64_LENGTH == 4 * -(-256 * 1024 // 3)


async def test_the_logo_is_reencoded_and_served_with_an_etag(
    partner: PartnerHandle, client: httpx.AsyncClient, settings: Settings
) -> None:
    original = png(240, 64)
    response = await partner.http.patch("/v3/branding", json={"logo_png": b64(original)})
    assert response.status_code == 200, response.text
    logo = response.json()["logo"]
    assert (logo["width"], logo["height"]) == (240, 64)
    path = logo["url"].removeprefix(settings.public_url)
    assert path.startswith(f"/flow/branding/{partner.partner_id}/logo.png?v=")

    served = await client.get(path)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content != original  # re-encoded: the text chunk is gone
    assert b"carried by the upload" not in served.content
    assert hashlib.sha256(served.content).hexdigest() == logo["sha256"]
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (240, 64) and image.getpixel((5, 5))[:3] == (11, 110, 79)

    etag = served.headers["etag"]
    assert "max-age" in served.headers["cache-control"]
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag

    removed = await partner.http.patch("/v3/branding", json={"logo_png": None})
    assert removed.json()["logo"] is None
    assert (await client.get(path)).status_code == 404


async def test_the_stylesheet_carries_the_colour_and_answers_304_on_its_etag(
    partner: PartnerHandle, client: httpx.AsyncClient
) -> None:
    path = f"/flow/branding/{partner.partner_id}/style.css"
    assert (await client.get(path)).status_code == 404
    await partner.http.patch("/v3/branding", json={"primary_color": "#0b6e4f"})

    first = await client.get(path)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/css")
    assert "--brand: #0b6e4f;" in first.text
    assert "--brand-dark: #08523b;" in first.text
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age" in first.headers["cache-control"]

    cached = await client.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["cache-control"] == first.headers["cache-control"]
    assert (await client.get(path, headers={"If-None-Match": f"W/{etag}"})).status_code == 304
    assert (await client.get(path, headers={"If-None-Match": '"other"'})).status_code == 200

    await partner.http.patch("/v3/branding", json={"primary_color": "#5b21b6"})
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag and "--brand: #5b21b6;" in changed.text


async def test_a_partner_sees_and_changes_only_its_own_branding(
    partner: PartnerHandle, other_partner: PartnerHandle, client: httpx.AsyncClient
) -> None:
    await partner.http.patch("/v3/branding", json=NORDPAY)
    assert (await other_partner.http.get("/v3/branding")).json()["display_name"] is None
    await other_partner.http.patch("/v3/branding", json={"display_name": "Other"})
    assert (await partner.http.get("/v3/branding")).json()["display_name"] == "Nordpay"
    assert (await other_partner.http.get("/v3/branding")).json()["display_name"] == "Other"
    # No partner id in the body can reach another partner's row.
    error_of(
        await other_partner.http.patch(
            "/v3/branding", json={"partner_id": partner.partner_id, "display_name": "Hijack"}
        )
    )
    assert (await partner.http.get("/v3/branding")).json()["display_name"] == "Nordpay"


async def test_branding_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v3/branding")).status_code == 401
    assert (await client.patch("/v3/branding", json={"display_name": "X"})).status_code == 401


@pytest.mark.parametrize(
    "path", ["not-a-uuid/style.css", "00000000-0000-0000-0000-000000000000/logo.png"]
)
async def test_unknown_assets_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(f"/flow/branding/{path}")).status_code == 404


async def test_the_openapi_document_describes_branding(client: httpx.AsyncClient) -> None:
    document = (await client.get("/v3/openapi.json")).json()
    operations = document["paths"]["/v3/branding"]
    assert operations["get"]["operationId"] == "getBranding"
    assert operations["patch"]["operationId"] == "updateBranding"
    assert set(operations["patch"]["responses"]) == {"200", "400", "401", "413", "429", "500"}
    patch = document["components"]["schemas"]["BrandingPatch"]
    assert patch["additionalProperties"] is False
    color = patch["properties"]["primary_color"]["anyOf"][0]
    assert color["pattern"] == "^#[0-9A-Fa-f]{6}$" and color["format"] == "wcag-aa-color"
    logo = patch["properties"]["logo_png"]["anyOf"][0]
    assert logo["contentMediaType"] == "image/png" and logo["format"] == "png-base64"
    assert patch["properties"]["support_email"]["anyOf"][0]["format"] == "email"


async def test_a_second_first_time_change_waits_for_the_first_and_updates(
    partner: PartnerHandle, services: Services, clock: FrozenClock
) -> None:
    """Both would insert the partner's row. The second locks the partner row, waits for the first
    to commit, then updates the row it inserted (without the lock, its insert would hit the
    primary key on PostgreSQL: a 500)."""
    partner_id = uuid.UUID(partner.partner_id)
    actor = Actor(ActorType.system)

    async def second() -> None:
        async with transaction(services.sessions) as session:
            await branding_service.update(
                session,
                partner_id,
                {"support_email": "help@nordpay.test"},
                settings=services.settings,
                now=clock.now(),
                actor=actor,
            )

    async with transaction(services.sessions) as session:
        await branding_service.update(
            session,
            partner_id,
            {"display_name": "First"},
            settings=services.settings,
            now=clock.now(),
            actor=actor,
        )
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # let it reach the lock (or SQLite's write gate)
        assert not waiting.done()
    await waiting
    both = (await partner.http.get("/v3/branding")).json()
    assert both["display_name"] == "First" and both["support_email"] == "help@nordpay.test"
