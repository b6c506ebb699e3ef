"""The SDK contract (sdk/contract/vectors.json) against the real server in headless Chromium: on
each platform, with a fake of exactly that platform's native handler, every outcome posts exactly
the message the vectors promise. The React Native, Kotlin and Swift tests run the same vectors
through their parsers, so a drift on either side fails a test."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from tests.conftest import (
    ROOT,
    START,
    PartnerHandle,
    create_individual,
    make_settings,
    new_partner,
)
from tests.e2e.support import chromium, continue_, phone_page, photo, require_browser, serve_app

from gangway.app import create_app
from gangway.kit.clock import FrozenClock
from gangway.simulations.kyc import SANDBOX_PASSCODE

pytestmark = pytest.mark.browser

VECTORS = json.loads((ROOT / "sdk" / "contract" / "vectors.json").read_text())
OUTCOMES: dict[str, dict[str, Any]] = {v["name"]: v for v in VECTORS["outcomes"]}
PLATFORMS = ("ios", "android", "react-native")

# Each fake records what its handler received, untouched, plus which handler it was.
FAKES = {
    "ios": "window.webkit = {messageHandlers: {gangway: {postMessage: function (m) {"
    " window.__gangwayCapture('ios', m); }}}};",
    "android": "window.GangwayAndroid = {postMessage: function (s) {"
    " window.__gangwayCapture('android', s); }};",
    "react-native": "window.ReactNativeWebView = {postMessage: function (s) {"
    " window.__gangwayCapture('react-native', s); }};",
}


@dataclass
class Device:
    """One phone-sized context per platform with its fake native handler; one page reused."""

    platform: str
    context: BrowserContext
    page: Page
    received: list[tuple[str, Any]] = field(default_factory=list)

    async def message(self, before: int) -> dict[str, Any]:
        """The one message posted since ``before`` messages, decoded as the native side would."""
        for _ in range(500):
            if len(self.received) > before:
                break
            await asyncio.sleep(0.01)
        assert len(self.received) == before + 1, f"{self.platform}: {self.received[before:]}"
        handler, payload = self.received[before]
        assert handler == self.platform
        if self.platform == "ios":
            assert isinstance(payload, dict), "iOS receives the message object"
            return payload
        assert isinstance(payload, str), f"{self.platform} receives a JSON string"
        decoded: dict[str, Any] = json.loads(payload)
        return decoded

    async def open(self, url: str) -> dict[str, Any] | None:
        """Navigate; the message the page posted (None when it posts none)."""
        before = len(self.received)
        await self.page.goto(url)
        await self.page.wait_for_load_state("load")
        return await self.message(before) if len(self.received) > before else None


@dataclass
class Served:
    base_url: str
    partner: PartnerHandle
    other: PartnerHandle
    clock: FrozenClock
    browser: Browser

    async def onboarding_link(self) -> dict[str, Any]:
        individual = await create_individual(self.partner)
        response = await self.partner.http.post(
            f"/v3/individuals/{individual['id']}/onboard", json={}
        )
        assert response.status_code == 200, response.text
        return {"token": response.json()["token"], "individual_id": individual["id"]}

    async def kyc(self, individual_id: str) -> None:
        response = await self.partner.http.post(
            "/v3/simulations/onboarding/kyc", json={"individual_id": individual_id}
        )
        assert response.status_code == 200, response.text

    async def consent_link(self, flow: str) -> dict[str, Any]:
        link = await self.onboarding_link()
        await self.kyc(link["individual_id"])
        http = self.partner.http
        action = await http.post(f"/v3/simulations/individuals/{link['individual_id']}/{flow}")
        assert action.status_code == 201, action.text
        consent_id = action.json()["payload"]["consent_id"]
        method = await http.post(f"/v3/consents/{consent_id}", json={})
        assert method.status_code == 200, method.text
        return {
            "token": method.json()["method"]["token"],
            "individual_id": link["individual_id"],
            "action_id": action.json()["id"],
        }

    def start_url(self, token: str, platform: str, public_key: str | None = None) -> str:
        key = self.partner.public_key if public_key is None else public_key
        return f"{self.base_url}/flow/start?token={token}&platform={platform}&public_key={key}"


@pytest.fixture
async def served(app: Any, database_url: str) -> AsyncIterator[Served]:
    require_browser()
    clock = FrozenClock(START)

    def build(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url), clock=clock)

    async with serve_app(build) as (base_url, application), chromium() as browser:
        partner = await new_partner(application, "Nordpay")
        other = await new_partner(application, "Other Bank")
        try:
            yield Served(base_url, partner, other, clock, browser)
        finally:
            await partner.http.aclose()
            await other.http.aclose()


async def device(served: Served, platform: str) -> Device:
    context, page = await phone_page(served.browser)
    dev = Device(platform, context, page)

    def capture(handler: str, payload: Any) -> None:
        dev.received.append((handler, payload))

    await context.expose_function("__gangwayCapture", capture)
    await context.add_init_script(FAKES[platform])
    return dev


def expected(name: str, individual_id: str | None = None) -> dict[str, Any]:
    """The vector's message with the placeholder replaced by the real id."""
    message = dict(OUTCOMES[name]["message"])
    if message["individual_id"] == "<individual_id>":
        assert individual_id is not None
        message["individual_id"] = individual_id
    return message


async def cancel(dev: Device) -> dict[str, Any]:
    """The Cancel link of a step page, then "Yes, cancel"."""
    await dev.page.get_by_role("link", name="Cancel", exact=True).click()
    before = len(dev.received)
    await dev.page.get_by_role("button", name="Yes, cancel").click()
    return await dev.message(before)


async def confirm_passcode(page: Page) -> None:
    await page.get_by_label("Passcode").fill(SANDBOX_PASSCODE)
    await continue_(page)


async def submit(dev: Device) -> dict[str, Any]:
    await expect(dev.page.get_by_role("heading", name="Check your details")).to_be_visible()
    before = len(dev.received)
    await dev.page.get_by_role("button", name="Submit").click()
    return await dev.message(before)


async def walk_identity_verification(dev: Device) -> dict[str, Any]:
    page = dev.page
    await confirm_passcode(page)
    await page.get_by_label("Document type").select_option("national_id")
    await page.get_by_label("Document number").fill("AB7654321")
    await page.get_by_label("Issuing country").select_option("SE")
    await page.get_by_label("Expiry date").fill("2032-05-31")
    await page.get_by_label("Front of document").set_input_files(photo("front"))
    await page.get_by_label("Back of document").set_input_files(photo("back", "PNG"))
    await continue_(page)
    await expect(page.get_by_role("heading", name="Selfie")).to_be_visible()
    await page.wait_for_load_state("load")
    await page.get_by_label("Selfie").set_input_files(photo("selfie"))
    await continue_(page)
    return await submit(dev)


async def walk_proof_of_address(dev: Device, served: Served) -> dict[str, Any]:
    page = dev.page
    await confirm_passcode(page)
    await expect(page.get_by_role("heading", name="Confirm your address")).to_be_visible()
    await continue_(page)
    await expect(page.get_by_role("heading", name="Proof of address")).to_be_visible()
    await page.get_by_label("Document type").select_option("utility_bill")
    recent = (served.clock.now() - timedelta(days=12)).date().isoformat()
    await page.get_by_label("Issue date").fill(recent)
    await page.get_by_label("File").set_input_files(photo("bill"))
    await continue_(page)
    return await submit(dev)


async def drive_outcomes(served: Served, dev: Device) -> None:
    p = dev.platform

    link = await served.onboarding_link()
    assert await dev.open(served.start_url(link["token"], p)) is None  # step pages stay quiet
    await served.kyc(link["individual_id"])  # submitted exactly as the flow's review step does
    message = await dev.open(f"{served.base_url}/flow/done")
    assert message == expected("completed_onboarding", link["individual_id"]), p

    link = await served.onboarding_link()
    assert await dev.open(served.start_url(link["token"], p)) is None
    assert await cancel(dev) == expected("canceled_onboarding", link["individual_id"]), p

    for flow in ("identity_verification", "proof_of_address_verification"):
        link = await served.consent_link(flow)
        assert await dev.open(served.start_url(link["token"], p)) is None
        if flow == "identity_verification":
            message = await walk_identity_verification(dev)
        else:
            message = await walk_proof_of_address(dev, served)
        assert message == expected(f"completed_{flow}", link["individual_id"]), p

        link = await served.consent_link(flow)
        assert await dev.open(served.start_url(link["token"], p)) is None
        assert await cancel(dev) == expected(f"canceled_{flow}", link["individual_id"]), p

    message = await dev.open(served.start_url("no-such-token", p))
    assert message == expected("unknown_token"), p
    assert await dev.page.locator("input:not([type=hidden])").count() == 0

    link = await served.onboarding_link()
    await served.kyc(link["individual_id"])
    message = await dev.open(served.start_url(link["token"], p))
    assert message == expected("used_token"), p  # individual_id null: see docs/sdk-bridge.md

    link = await served.consent_link("identity_verification")
    done = await served.partner.http.post(
        f"/v3/simulations/pending_actions/{link['action_id']}/complete"
    )
    assert done.status_code == 200, done.text
    message = await dev.open(served.start_url(link["token"], p))
    assert message == expected("closed_consent"), p

    link = await served.onboarding_link()
    message = await dev.open(served.start_url(link["token"], p, served.other.public_key))
    assert message == expected("wrong_public_key", link["individual_id"]), p


async def test_every_outcome_posts_the_vector_message_on_every_platform(served: Served) -> None:
    devices = [await device(served, platform) for platform in PLATFORMS]
    for dev in devices:
        await drive_outcomes(served, dev)

    # Last, as it moves the clock: a known token past its expiry is refused like an unknown one.
    links = [await served.onboarding_link() for _ in devices]
    served.clock.advance(hours=2)
    for dev, link in zip(devices, links, strict=True):
        message = await dev.open(served.start_url(link["token"], dev.platform))
        assert message == expected("expired_token"), dev.platform
        await dev.context.close()


def test_the_vectors_cover_every_outcome_and_flow() -> None:
    names = set(OUTCOMES)
    flows = {"onboarding", "identity_verification", "proof_of_address_verification"}
    assert {f"completed_{f}" for f in flows} | {f"canceled_{f}" for f in flows} <= names
    assert {"unknown_token", "expired_token", "used_token", "wrong_public_key"} <= names
    for vector in VECTORS["outcomes"]:
        result = vector["result"]
        message = vector["message"]
        assert result["status"] == message["status"] and result["flow"] == message["flow"]
        assert result["individualId"] == message["individual_id"]
        assert result.get("error") == message.get("error")
