"""The branding on the hosted flow's pages (onboarding, consent, errors, done), over HTTP: the
stylesheet link and logo from our origin, the display name, the support footer, the strict CSP."""

from __future__ import annotations

import re
from typing import Any

from tests.branding.images import b64, png
from tests.conftest import PartnerHandle, create_individual
from tests.consent_flow.conftest import consent_setup
from tests.onboarding.conftest import FlowClient, onboard

BRANDING = {
    "display_name": "Nordpay",
    "primary_color": "#0b6e4f",
    "support_email": "help@nordpay.test",
    "support_phone": "46701234567",
    "support_url": "https://nordpay.example/help",
}
STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/flow/branding/[^"]+/style\.css\?v=\w+)">')
LOGO = re.compile(r'<img class="brand-logo" src="(/flow/branding/[^"]+/logo\.png\?v=\w+)"')


def assert_branded(html: str, partner: PartnerHandle) -> None:
    found = STYLESHEET.search(html)
    assert found and f"/flow/branding/{partner.partner_id}/style.css" in found.group(1)
    logo = LOGO.search(html)
    assert logo and f"/flow/branding/{partner.partner_id}/logo.png" in logo.group(1)
    assert re.search(r'<span class="partner">.*Nordpay</span>', html)
    assert "Need help? Contact Nordpay" in html
    assert '<a href="mailto:help@nordpay.test">help@nordpay.test</a>' in html
    assert '<a href="tel:+46701234567">+46 70 123 45 67</a>' in html
    assert 'href="https://nordpay.example/help"' in html
    assert "style=" not in html and "<style" not in html


async def brand(partner: PartnerHandle) -> None:
    response = await partner.http.patch(
        "/v3/branding", json={**BRANDING, "logo_png": b64(png(240, 64))}
    )
    assert response.status_code == 200, response.text


async def test_every_onboarding_page_is_branded(
    partner: PartnerHandle, flow: FlowClient, link: dict[str, Any]
) -> None:
    await brand(partner)
    response = await flow.start(link["token"])
    page = await flow.get(response.headers["location"])
    assert page.status_code == 200
    assert_branded(page.text, partner)
    assert "<title>" in page.text and "· Nordpay</title>" in page.text
    # The display name replaces the partner's name ("Acme Pay") in the page's texts too.
    assert "Nordpay uses Gangway" in page.text and "Acme Pay" not in page.text
    csp = page.headers["content-security-policy"]
    assert "style-src 'self'" in csp and "unsafe-inline" not in csp
    stylesheet = await flow.get(STYLESHEET.search(page.text).group(1))  # type: ignore[union-attr]
    assert "--brand: #0b6e4f;" in stylesheet.text
    cancel = await flow.get("/flow/cancel")
    assert_branded(cancel.text, partner)


async def test_an_unbranded_partner_keeps_the_plain_pages(
    flow: FlowClient, link: dict[str, Any]
) -> None:
    response = await flow.start(link["token"])
    page = await flow.get(response.headers["location"])
    assert "/flow/branding/" not in page.text and "Need help?" not in page.text
    assert '<span class="partner">Acme Pay</span>' in page.text


async def test_the_branding_shows_on_an_error_page_of_the_flow(
    partner: PartnerHandle, flow: FlowClient, link: dict[str, Any]
) -> None:
    await brand(partner)
    await flow.start(link["token"])
    missing = await flow.get("/flow/onboarding/no-such-step")
    assert missing.status_code == 404
    assert_branded(missing.text, partner)


async def test_the_consent_flow_is_branded(partner: PartnerHandle, flow: FlowClient) -> None:
    await brand(partner)
    setup = await consent_setup(partner)
    response = await flow.start(setup["token"])
    assert response.status_code == 303, response.text
    page = await flow.get(response.headers["location"])
    assert page.status_code == 200
    assert_branded(page.text, partner)


async def test_another_partners_flow_does_not_get_this_branding(
    partner: PartnerHandle, other_partner: PartnerHandle, flow: FlowClient
) -> None:
    await brand(partner)
    individual = await create_individual(other_partner)
    link = await onboard(other_partner, individual["id"])
    response = await flow.start(link["token"])
    page = await flow.get(response.headers["location"])
    assert "Nordpay" not in page.text and "/flow/branding/" not in page.text
