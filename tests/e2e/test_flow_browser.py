"""The hosted onboarding flow in headless Chromium at a phone's viewport (360x740): a full
onboarding from ``redirect_url`` to ``return_url`` with real image uploads, validation errors,
resume, an expired link, the SDK bridge and passkey enrolment with a virtual authenticator.
Screenshots of every step go to var/artifacts/flow/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from tests.conftest import START, PartnerHandle, create_individual, make_settings, new_partner
from tests.e2e import support
from tests.e2e.support import chromium, continue_, phone_page, photo, require_browser, serve_app

from gangway.app import create_app
from gangway.kit.clock import FrozenClock
from gangway.models import WebauthnCredential

FOLDER = "flow"
RETURN_URL = "https://partner.example/onboarding/return?ref=42"

pytestmark = pytest.mark.browser


@dataclass
class Served:
    base_url: str
    app: Any
    partner: PartnerHandle
    clock: FrozenClock
    browser: Browser

    async def individual(self) -> dict[str, Any]:
        return await create_individual(self.partner)

    async def link(self, individual: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
        individual = individual or await create_individual(self.partner)
        response = await self.partner.http.post(
            f"/v3/individuals/{individual['id']}/onboard", json=body
        )
        assert response.status_code == 200, response.text
        return {**response.json(), "individual_id": individual["id"]}

    async def phone_page(self) -> tuple[Any, Page]:
        return await phone_page(self.browser)


@pytest.fixture
async def served(app: Any, database_url: str) -> AsyncIterator[Served]:
    """The app on a free loopback port, reached as ``localhost`` (a valid WebAuthn RP id)."""
    require_browser()
    clock = FrozenClock(START)

    def build(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url), clock=clock)

    async with serve_app(build) as (base_url, application), chromium() as browser:
        partner = await new_partner(application, "Nordpay")
        try:
            yield Served(base_url, application, partner, clock, browser)
        finally:
            await partner.http.aclose()


async def shot(page: Page, name: str) -> None:
    await support.shot(page, FOLDER, name)


async def walk_to_security(page: Page, prefix: str) -> None:
    """Welcome → questions through the real forms (screenshots on the way)."""
    await expect(page.get_by_text("Step 1 of 9")).to_be_visible()
    await expect(page.locator(".partner")).to_have_text("Nordpay")
    await shot(page, f"{prefix}01-welcome")
    await page.get_by_label("I accept the terms and the privacy notice").check()
    await continue_(page)

    await expect(page.get_by_role("heading", name="Personal details")).to_be_visible()
    await expect(page.get_by_label("First name")).to_have_value("John")
    await page.get_by_label("Nationality").select_option("SE")
    await shot(page, f"{prefix}02-personal")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Address")).to_be_visible()
    await expect(page.get_by_label("Street address")).to_have_value("Mälarö torg 2")
    await page.get_by_label("Apartment, suite, etc.").fill("lgh 1101")
    await shot(page, f"{prefix}03-address")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Phone number")).to_be_visible()
    await page.get_by_role("button", name="Send code").click()
    await page.get_by_label("Verification code").fill("000000")
    await shot(page, f"{prefix}04-phone")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Identity document")).to_be_visible()
    await page.get_by_label("Document type").select_option("national_id")
    await page.get_by_label("Document number").fill("AB1234567")
    await page.get_by_label("Issuing country").select_option("SE")
    await page.get_by_label("Expiry date").fill("2031-05-31")
    await page.get_by_label("Front of document").set_input_files(photo("front"))
    await page.get_by_label("Back of document").set_input_files(photo("back", "PNG"))
    await shot(page, f"{prefix}05-document")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Selfie")).to_be_visible()
    await page.wait_for_load_state("load")
    await page.get_by_label("Selfie").set_input_files(photo("selfie"))
    await expect(page.locator("#selfie-preview")).to_be_visible()
    await shot(page, f"{prefix}06-selfie")
    await continue_(page)

    await expect(page.get_by_role("heading", name="A few questions")).to_be_visible()
    await page.get_by_label("Employment status").select_option("employed")
    await page.get_by_label("Occupation").select_option("professional")
    await page.get_by_label("Source of funds").select_option("salary")
    await page.get_by_label("Expected monthly incoming amount").select_option("1000_5000")
    await page.get_by_label("Purpose of the account").select_option("everyday")
    await page.get_by_label("Country of tax residence").select_option("SE")
    await page.get_by_label("Tax identification number").fill("19911206-1234")
    await page.locator("fieldset", has_text="US person").get_by_label("No").check()
    await expect(page.get_by_label("Tell us more (role, country, relation)")).to_be_hidden()
    await page.locator("fieldset", has_text="politically exposed").get_by_label("No").check()
    await shot(page, f"{prefix}07-questions")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Security")).to_be_visible()
    await page.get_by_label("Passcode", exact=True).fill("285714")
    await page.get_by_label("Confirm passcode").fill("285714")
    await continue_(page)
    await expect(page.get_by_text("Your passcode is saved.")).to_be_visible()


async def test_full_onboarding_on_a_phone_from_redirect_url_to_return_url(
    served: Served,
) -> None:
    link = await served.link(return_url=RETURN_URL)
    context, page = await served.phone_page()
    response = await page.goto(link["redirect_url"])
    assert response is not None and response.status == 200
    assert "token" not in page.url
    await walk_to_security(page, "web-")
    await shot(page, "web-08-security")
    await page.get_by_role("button", name="Skip for now").click()

    await expect(page.get_by_role("heading", name="Check your details")).to_be_visible()
    await expect(page.get_by_text("lgh 1101")).to_be_visible()
    await expect(page.get_by_role("link", name="Edit: Address")).to_be_visible()
    await shot(page, "web-09-review")
    await page.get_by_role("button", name="Submit").click()

    await expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    await shot(page, "web-10-done")
    await page.get_by_role("link", name="Continue").click()
    await page.wait_for_url("https://partner.example/**")
    assert page.url == (
        f"{RETURN_URL}&individual_id={link['individual_id']}&status=onboarding_data_provided"
    )
    # The page fits the phone: nothing scrolls sideways.
    fetched = await served.partner.http.get(f"/v3/individuals/{link['individual_id']}")
    assert fetched.json()["status"] == "onboarding_data_provided"
    await context.close()


async def test_errors_appear_next_to_fields_and_typed_values_stay(served: Served) -> None:
    link = await served.link()
    context, page = await served.phone_page()
    await page.goto(link["redirect_url"])
    await continue_(page)  # terms not accepted
    error = page.locator("#e-accept_terms")
    await expect(error).to_have_text("Accept the terms to continue.")
    await page.get_by_label("I accept the terms and the privacy notice").check()
    await continue_(page)

    await page.get_by_label("First name").fill("Åsa-Maria")
    await page.get_by_label("Last name").fill("")
    await page.get_by_label("Date of birth").fill("2015-06-01")
    await page.get_by_label("Nationality").select_option("NO")
    await continue_(page)
    await expect(page.locator("#e-last_name")).to_have_text("Fill in this field.")
    await expect(page.locator("#e-date_of_birth")).to_have_text("You must be 18 or older.")
    await expect(page.get_by_label("First name")).to_have_value("Åsa-Maria")
    await expect(page.get_by_label("Nationality")).to_have_value("NO")
    await expect(page.get_by_label("Last name")).to_be_focused()
    described = await page.get_by_label("Last name").get_attribute("aria-describedby")
    assert described == "e-last_name"
    await shot(page, "errors-personal")
    await context.close()


async def test_closing_the_page_and_reopening_the_link_resumes(served: Served) -> None:
    individual = await served.individual()
    link = await served.link(individual)
    context, page = await served.phone_page()
    await page.goto(link["redirect_url"])
    await page.get_by_label("I accept the terms and the privacy notice").check()
    await continue_(page)
    await page.get_by_label("First name").fill("Johan")
    await page.get_by_label("Nationality").select_option("FI")
    await continue_(page)
    await expect(page.get_by_role("heading", name="Address")).to_be_visible()
    await page.close()

    page = await context.new_page()  # the same browser, the page closed: the link resumes
    await page.goto(link["redirect_url"])
    await expect(page.get_by_role("heading", name="Address")).to_be_visible()
    await context.close()

    context, page = await served.phone_page()  # another browser: the link is bound to the first
    await page.goto(link["redirect_url"])
    await expect(
        page.get_by_role("heading", name="This link was already opened on another device")
    ).to_be_visible()
    await shot(page, "link-opened-elsewhere")
    fresh = await served.link(individual)  # a new link takes over and resumes the draft
    await page.goto(fresh["redirect_url"])
    await expect(page.get_by_role("heading", name="Address")).to_be_visible()
    await expect(page.get_by_text("Step 3 of 9")).to_be_visible()
    await page.get_by_role("link", name="Back").click()
    await expect(page.get_by_label("First name")).to_have_value("Johan")
    await expect(page.get_by_label("Nationality")).to_have_value("FI")
    await shot(page, "resume-personal")
    await context.close()


async def test_an_expired_link_shows_a_clear_page(served: Served) -> None:
    link = await served.link()
    served.clock.advance(hours=2)
    context, page = await served.phone_page()
    response = await page.goto(link["redirect_url"])
    assert response is not None and response.status == 410
    await expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    await shot(page, "expired")
    await context.close()


STUB_IOS_BRIDGE = """
window.webkit = {messageHandlers: {gangway: {postMessage: function (m) { window.__report(m); }}}};
"""


async def stub_ios_bridge(context: Any) -> asyncio.Future[Any]:
    """Inject ``window.webkit.messageHandlers.gangway``; resolves with the first message."""
    received: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def report(message: Any) -> None:
        if not received.done():
            received.set_result(message)

    await context.expose_function("__report", report)
    await context.add_init_script(STUB_IOS_BRIDGE)
    return received


async def test_sdk_mode_posts_completed_to_the_ios_bridge(served: Served) -> None:
    link = await served.link(return_url=RETURN_URL)
    context, page = await served.phone_page()
    received = await stub_ios_bridge(context)
    url = (
        f"{served.base_url}/flow/start?token={link['token']}"
        f"&platform=ios&public_key={served.partner.public_key}"
    )
    await page.goto(url)
    await walk_to_security(page, "sdk-")
    await page.get_by_role("button", name="Skip for now").click()
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    message = await asyncio.wait_for(received, timeout=10)
    assert message == {
        "type": "result",
        "status": "completed",
        "flow": "onboarding",
        "individual_id": link["individual_id"],
    }
    assert "partner.example" not in page.url
    await shot(page, "sdk-done")
    await context.close()


async def test_sdk_mode_reports_an_expired_token_before_any_input(served: Served) -> None:
    context, page = await served.phone_page()
    received = await stub_ios_bridge(context)
    await page.goto(f"{served.base_url}/flow/start?token=gone&platform=ios&public_key=pk_x")
    message = await asyncio.wait_for(received, timeout=10)
    assert message["status"] == "error" and message["error"]["domain"] == "token_expired"
    assert await page.locator("input").count() == 0
    await context.close()


async def test_passkey_enrolment_with_a_virtual_authenticator(served: Served) -> None:
    link = await served.link()
    context, page = await served.phone_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    await page.goto(link["redirect_url"])
    await walk_to_security(page, "passkey-")
    add = page.get_by_role("button", name="Add a passkey")
    await expect(add).to_be_visible()
    await shot(page, "passkey-08-security")
    await add.click()
    await expect(page.get_by_role("heading", name="Check your details")).to_be_visible()
    await expect(page.locator("dd", has_text="Yes")).to_have_count(1)
    await shot(page, "passkey-09-review")
    async with served.app.state.services.read_sessions() as session:
        stored = list(await session.scalars(select(WebauthnCredential)))
    assert len(stored) == 1 and stored[0].public_key
    await context.close()
