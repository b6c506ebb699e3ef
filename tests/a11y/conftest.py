"""The app served on a loopback port with one Chromium, for the accessibility audits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from gangway.app import create_app
from gangway.kit.clock import FrozenClock
from tests.a11y.axe import Audit, require_axe
from tests.conftest import PartnerHandle, create_individual, make_settings, new_partner
from tests.e2e.support import chromium, require_browser, serve_app

RETURN_URL = "https://partner.example/return"
# The narrowest width WCAG 2.1 asks content to reflow to (SC 1.4.10).
NARROW = {"width": 320, "height": 640}


@dataclass
class Served:
    base_url: str
    app: Any
    partner: PartnerHandle
    clock: FrozenClock
    browser: Browser

    async def link(self, individual_id: str | None = None, **body: Any) -> dict[str, Any]:
        """An onboarding link (for a new individual unless ``individual_id``)."""
        individual_id = individual_id or (await create_individual(self.partner))["id"]
        http = self.partner.http
        response = await http.post(f"/v3/individuals/{individual_id}/onboard", json=body)
        assert response.status_code == 200, response.text
        return {**response.json(), "individual_id": individual_id}

    async def onboarded(self) -> str:
        """An individual through the sandbox KYC (its passcode: SANDBOX_PASSCODE)."""
        link = await self.link()
        response = await self.partner.http.post(
            "/v3/simulations/onboarding/kyc", json={"individual_id": link["individual_id"]}
        )
        assert response.status_code == 200, response.text
        return str(link["individual_id"])

    async def consent_link(self, flow: str, individual_id: str | None = None) -> dict[str, Any]:
        individual_id = individual_id or await self.onboarded()
        http = self.partner.http
        action = await http.post(f"/v3/simulations/individuals/{individual_id}/{flow}")
        assert action.status_code == 201, action.text
        consent_id = action.json()["payload"]["consent_id"]
        method = await http.post(f"/v3/consents/{consent_id}", json={"return_url": RETURN_URL})
        assert method.status_code == 200, method.text
        return {"individual_id": individual_id, **method.json()["method"]}

    async def new_page(self, **options: Any) -> tuple[BrowserContext, Page]:
        """A 320 px wide page; the partner's return_url is answered by the test."""
        context = await self.browser.new_context(
            viewport=options.pop("viewport", NARROW), locale="en-GB", **options
        )
        await context.route(
            "https://partner.example/**",
            lambda route: route.fulfill(
                status=200,
                content_type="text/html",
                body='<!doctype html><html lang="en"><title>Back</title><main><h1>Back</h1></main>',
            ),
        )
        return context, await context.new_page()


@pytest.fixture
async def served(app: Any, database_url: str) -> AsyncIterator[Served]:
    """``localhost`` (a valid WebAuthn RP id); the clock near real time (TOTP, signatures)."""
    require_browser()
    require_axe()
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))

    def build(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url), clock=clock)

    async with serve_app(build) as (base_url, application), chromium() as browser:
        partner = await new_partner(application, "Nordpay")
        try:
            yield Served(base_url, application, partner, clock, browser)
        finally:
            await partner.http.aclose()


@pytest.fixture
def audit() -> Audit:
    return Audit()
