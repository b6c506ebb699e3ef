"""The consent flows of pending actions in headless Chromium at a phone's viewport: the whole
sandbox sequence with real signed webhooks, a proof of address with a PDF, and a consent locked
by wrong passcodes. Screenshots go to var/artifacts/consent/."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.dates import format_date, format_time
from PIL import Image, ImageDraw
from playwright.async_api import Browser, Page, expect
from standardwebhooks import Webhook
from tests.conftest import PartnerHandle, create_individual, make_settings, new_partner
from tests.e2e import support
from tests.e2e.support import chromium, continue_, phone_page, photo, require_browser, serve_app
from tests.webhooks.conftest import Receiver, start_receiver

from gangway.app import create_app
from gangway.kit.clock import FrozenClock
from gangway.simulations.kyc import SANDBOX_PASSCODE

FOLDER = "consent"
RETURN_URL = "https://partner.example/verified"

pytestmark = pytest.mark.browser


def utility_bill_pdf() -> dict[str, Any]:
    image = Image.new("RGB", (595, 842), (255, 255, 255))
    ImageDraw.Draw(image).text((60, 60), "UTILITY BILL - Storgatan 5, Uppsala", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    return {"name": "bill.pdf", "mimeType": "application/pdf", "buffer": buffer.getvalue()}


@dataclass
class Served:
    base_url: str
    app: Any
    partner: PartnerHandle
    clock: FrozenClock
    browser: Browser
    receiver: Receiver

    async def onboarded(self) -> str:
        """create individual → onboard → simulated KYC (passcode SANDBOX_PASSCODE)."""
        individual = await create_individual(self.partner)
        http = self.partner.http
        response = await http.post(f"/v3/individuals/{individual['id']}/onboard", json={})
        assert response.status_code == 200, response.text
        response = await http.post(
            "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
        )
        assert response.status_code == 200, response.text
        return str(individual["id"])

    async def consent_link(self, flow: str) -> dict[str, Any]:
        individual_id = await self.onboarded()
        http = self.partner.http
        action = (await http.post(f"/v3/simulations/individuals/{individual_id}/{flow}")).json()
        consent_id = action["payload"]["consent_id"]
        method = await http.post(f"/v3/consents/{consent_id}", json={"return_url": RETURN_URL})
        return {"action": action, "individual_id": individual_id, **method.json()["method"]}

    async def phone_page(self) -> tuple[Any, Page]:
        return await phone_page(self.browser)


@pytest.fixture
async def served(app: Any, database_url: str) -> AsyncIterator[Served]:
    """The app with its embedded delivery worker on a free loopback port; a webhook receiver on
    127.0.0.1. The clock is close to real time so signatures pass the receiver's tolerance."""
    require_browser()
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))

    def build(base_url: str) -> Any:
        settings = make_settings(database_url, public_url=base_url, worker_poll_seconds=1)
        return create_app(settings, clock=clock, run_worker=True)

    async with serve_app(build) as (base_url, application), chromium() as browser:
        partner = await new_partner(application, "Nordpay")
        receiver = start_receiver()
        try:
            yield Served(base_url, application, partner, clock, browser, receiver)
        finally:
            await partner.http.aclose()
            receiver.server.shutdown()
            receiver.server.server_close()


async def shot(page: Page, name: str) -> None:
    await support.shot(page, FOLDER, name)


async def wait_for_event(served: Served, secret: str, name: str) -> dict[str, Any]:
    """The first delivered webhook named ``name``, verified with ``standardwebhooks``."""
    for _ in range(1000):
        for request in list(served.receiver.received):
            payload = Webhook(secret).verify(request.body, request.headers)
            if payload["name"] == name:
                return payload  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {name} webhook arrived")


async def confirm_with_passcode(page: Page, passcode: str = SANDBOX_PASSCODE) -> None:
    await expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    await page.get_by_label("Passcode").fill(passcode)
    await continue_(page)


async def test_sandbox_identity_verification_end_to_end_with_signed_webhooks(
    served: Served,
) -> None:
    http = served.partner.http
    endpoint = (await http.post("/v3/webhooks", json={"url": served.receiver.url})).json()
    secret = endpoint["secret"]
    individual_id = await served.onboarded()
    raised = await http.post(f"/v3/simulations/individuals/{individual_id}/identity_verification")
    assert raised.status_code == 201, raised.text

    created = await wait_for_event(served, secret, "PendingActionCreated")
    assert created["payload"]["individual_id"] == individual_id
    listed = (await http.get("/v3/pending_actions", params={"event_id": created["id"]})).json()
    [action] = listed["data"]
    assert action["id"] == created["payload"]["pending_action_id"]
    assert action["type"] == "IdentityVerification"
    opened = await http.post(
        f"/v3/consents/{action['payload']['consent_id']}", json={"return_url": RETURN_URL}
    )
    assert opened.status_code == 200, opened.text
    redirect_url = opened.json()["method"]["redirect_url"]

    context, page = await served.phone_page()
    await page.goto(redirect_url)
    assert "token=" not in page.url
    await expect(page.get_by_text("Step 1 of 4")).to_be_visible()
    await shot(page, "idv-01-confirm")
    await confirm_with_passcode(page)

    await expect(page.get_by_role("heading", name="Identity document")).to_be_visible()
    await page.get_by_label("Document type").select_option("national_id")
    await page.get_by_label("Document number").fill("AB7654321")
    await page.get_by_label("Issuing country").select_option("SE")
    await page.get_by_label("Expiry date").fill("2032-05-31")
    await page.get_by_label("Front of document").set_input_files(photo("front"))
    await page.get_by_label("Back of document").set_input_files(photo("back", "PNG"))
    await shot(page, "idv-02-document")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Selfie")).to_be_visible()
    await page.wait_for_load_state("load")
    await page.get_by_label("Selfie").set_input_files(photo("selfie"))
    await shot(page, "idv-03-selfie")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Check your details")).to_be_visible()
    await expect(page.get_by_text("AB7654321")).to_be_visible()
    await shot(page, "idv-04-review")
    await page.get_by_role("button", name="Submit").click()

    await expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    await shot(page, "idv-05-done")
    await page.get_by_role("link", name="Continue").click()
    await page.wait_for_url("https://partner.example/**")
    assert f"individual_id={individual_id}" in page.url and "status=completed" in page.url

    completed = await wait_for_event(served, secret, "PendingActionCompleted")
    assert completed["payload"] == {
        "individual_id": individual_id,
        "pending_action_id": action["id"],
    }
    final = (await http.get(f"/v3/pending_actions/{action['id']}")).json()
    assert final["status"] == "completed"
    names = [json.loads(r.body)["name"] for r in served.receiver.received]
    assert names.count("PendingActionCompleted") == 1
    await context.close()


async def test_proof_of_address_with_a_pdf_in_the_browser(served: Served) -> None:
    link = await served.consent_link("proof_of_address_verification")
    context, page = await served.phone_page()
    await page.goto(link["redirect_url"])
    await confirm_with_passcode(page)

    await expect(page.get_by_role("heading", name="Confirm your address")).to_be_visible()
    await expect(page.get_by_label("Street address")).to_have_value("Mälarö torg 2")
    await page.get_by_label("Street address").fill("Storgatan 5")
    await page.get_by_label("Postal code").fill("753 20")
    await page.get_by_label("City").fill("Uppsala")
    await shot(page, "poa-01-address")
    await continue_(page)

    await expect(page.get_by_role("heading", name="Proof of address")).to_be_visible()
    await page.get_by_label("Document type").select_option("utility_bill")
    too_old = (served.clock.now() - timedelta(days=120)).date().isoformat()
    await page.get_by_label("Issue date").fill(too_old)
    await page.get_by_label("File").set_input_files(utility_bill_pdf())
    await continue_(page)
    await expect(page.locator("#e-issue_date")).to_have_text(
        "The document must be from the last 3 months."
    )
    await shot(page, "poa-02-proof-error")
    recent = (served.clock.now() - timedelta(days=12)).date().isoformat()
    await page.get_by_label("Issue date").fill(recent)
    await continue_(page)

    await expect(page.get_by_role("heading", name="Check your details")).to_be_visible()
    await expect(page.get_by_text("Storgatan 5")).to_be_visible()
    await expect(page.get_by_text("Utility bill")).to_be_visible()
    await shot(page, "poa-03-review")
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    await shot(page, "poa-04-done")
    action = (await served.partner.http.get(f"/v3/pending_actions/{link['action']['id']}")).json()
    assert action["status"] == "completed"
    await context.close()


async def test_five_wrong_passcodes_lock_the_consent_in_the_browser(served: Served) -> None:
    link = await served.consent_link("identity_verification")
    context, page = await served.phone_page()
    await page.goto(link["redirect_url"])
    for tries in ("4 tries", "3 tries", "2 tries", "1 try"):
        await confirm_with_passcode(page, "975310")
        await expect(page.locator("#e-passcode")).to_have_text(
            f"The passcode is not correct. {tries} left."
        )
    await confirm_with_passcode(page, "975310")
    unlocked = served.clock.now() + timedelta(minutes=15)
    # English dates as Babel's CLDR data writes them ("Dec 2, 2026 2:05 PM").
    until = f"{format_date(unlocked, 'medium', locale='en')} {format_time(unlocked, 'short', locale='en')}"
    await expect(page.locator("#locked")).to_contain_text(
        f"Too many wrong passcodes. Try again after {until} (UTC)."
    )
    await expect(page.get_by_label("Passcode")).to_have_count(0)
    await shot(page, "lock-01-locked")
    await page.reload()
    await expect(page.locator("#locked")).to_be_visible()
    await context.close()


async def test_confirm_with_an_enrolled_passkey(served: Served) -> None:
    """A passkey enrolled at onboarding (placed in Chromium's virtual authenticator, its public
    key stored as the flow's enrolment would) confirms the user; the sign counter moves on."""
    import base64
    import uuid

    import cbor2
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from sqlalchemy import select

    from gangway.db.session import transaction
    from gangway.models import WebauthnCredential

    link = await served.consent_link("identity_verification")
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    cose = cbor2.dumps(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )
    raw_id = uuid.uuid4().bytes + uuid.uuid4().bytes
    async with transaction(served.app.state.services.sessions) as session:
        session.add(
            WebauthnCredential(
                individual_id=uuid.UUID(link["individual_id"]),
                credential_id=base64.urlsafe_b64encode(raw_id).decode().rstrip("="),
                public_key=cose,
                sign_count=0,
                created_at=served.clock.now(),
            )
        )
    context, page = await served.phone_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    authenticator = await cdp.send(
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
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    await cdp.send(
        "WebAuthn.addCredential",
        {
            "authenticatorId": authenticator["authenticatorId"],
            "credential": {
                "credentialId": base64.b64encode(raw_id).decode(),
                "isResidentCredential": False,
                "rpId": "localhost",
                "privateKey": base64.b64encode(pkcs8).decode(),
                "signCount": 0,
            },
        },
    )
    await page.goto(link["redirect_url"])
    use = page.get_by_role("button", name="Use my passkey")
    await expect(use).to_be_visible()
    await shot(page, "passkey-01-confirm")
    await use.click()
    await expect(page.get_by_role("heading", name="Identity document")).to_be_visible()
    async with served.app.state.services.read_sessions() as session:
        stored = await session.scalar(select(WebauthnCredential))
    assert stored is not None and stored.sign_count > 0
    await context.close()
