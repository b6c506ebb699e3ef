"""axe-core (WCAG 2.1 A and AA) on every page of the hosted flows, in Chromium at a phone's
viewport: one onboarding walked once and audited page by page (with validation errors), the
cancel and error pages, and both consent flows with their passcode and passkey confirmations."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from gangway.db.session import transaction
from gangway.models import WebauthnCredential
from gangway.simulations.kyc import SANDBOX_PASSCODE
from tests.a11y.axe import Audit
from tests.a11y.conftest import Served
from tests.e2e.support import continue_, photo
from tests.e2e.test_consent_browser import utility_bill_pdf

pytestmark = pytest.mark.browser


async def heading(page: Page, name: str) -> None:
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


async def document_and_selfie(page: Page, audit: Audit, prefix: str, kind: str) -> None:
    """The identity document (a national id has a back too) and the selfie, each audited."""
    await heading(page, "Identity document")
    await audit(page, f"{prefix}document")
    await page.get_by_label("Document type").select_option(kind)
    await page.get_by_label("Document number").fill("AB1234567")
    await page.get_by_label("Issuing country").select_option("SE")
    await page.get_by_label("Expiry date").fill("2031-05-31")
    await page.get_by_label("Front of document").set_input_files(photo("front"))
    if kind == "national_id":
        await page.get_by_label("Back of document").set_input_files(photo("back", "PNG"))
    await continue_(page)
    await heading(page, "Selfie")
    await audit(page, f"{prefix}selfie")
    await page.get_by_label("Selfie").set_input_files(photo("selfie"))
    await expect(page.locator("#selfie-preview")).to_be_visible()
    await audit(page, f"{prefix}selfie, with preview")
    await continue_(page)


async def test_onboarding_pages_have_no_wcag_violations(served: Served, audit: Audit) -> None:
    link = await served.link(return_url="https://partner.example/return")
    context, page = await served.new_page()
    await page.goto(link["redirect_url"])
    await audit(page, "welcome")
    await continue_(page)
    await expect(page.locator("#e-accept_terms")).to_be_visible()
    await audit(page, "welcome, terms not accepted")
    await page.get_by_label("I accept the terms and the privacy notice").check()
    await continue_(page)

    await heading(page, "Personal details")
    await audit(page, "personal")
    await page.get_by_label("Last name").fill("")
    await page.get_by_label("Date of birth").fill("2015-06-01")
    await continue_(page)
    await expect(page.locator("#e-last_name")).to_be_visible()
    await audit(page, "personal, with errors")
    await page.get_by_label("Last name").fill("de Mayor")
    await page.get_by_label("Date of birth").fill("1991-12-06")
    await page.get_by_label("Nationality").select_option("SE")
    await continue_(page)

    await heading(page, "Address")
    await audit(page, "address")
    await continue_(page)

    await heading(page, "Phone number")
    await audit(page, "phone")
    await page.get_by_role("button", name="Send code").click()
    await audit(page, "phone, code sent")
    await page.get_by_label("Verification code").fill("000000")
    await continue_(page)

    await document_and_selfie(page, audit, "", "national_id")

    await heading(page, "A few questions")
    await audit(page, "questions")
    await page.get_by_label("Employment status").select_option("employed")
    await page.get_by_label("Occupation").select_option("professional")
    await page.get_by_label("Source of funds").select_option("salary")
    await page.get_by_label("Expected monthly incoming amount").select_option("1000_5000")
    await page.get_by_label("Purpose of the account").select_option("everyday")
    await page.get_by_label("Country of tax residence").select_option("SE")
    await page.get_by_label("Tax identification number").fill("19911206-1234")
    await page.locator("fieldset", has_text="US person").get_by_label("No").check()
    await page.locator("fieldset", has_text="politically exposed").get_by_label("Yes").check()
    await audit(page, "questions, politically exposed")
    await page.locator("fieldset", has_text="politically exposed").get_by_label("No").check()
    await continue_(page)

    await heading(page, "Security")
    await audit(page, "security")
    await page.get_by_label("Passcode", exact=True).fill("285714")
    await page.get_by_label("Confirm passcode").fill("285714")
    await continue_(page)
    await expect(page.get_by_text("Your passcode is saved.")).to_be_visible()
    await audit(page, "security, passkey offer")
    await page.get_by_role("button", name="Skip for now").click()

    await heading(page, "Check your details")
    await audit(page, "review")
    await page.get_by_role("button", name="Submit").click()
    await heading(page, "Thank you")
    await audit(page, "done")
    await context.close()

    # Swedish, the link opened elsewhere, cancel (asked, then done), and refused links.
    cancelled = await served.link()
    context, page = await served.new_page()
    await page.goto(cancelled["redirect_url"])
    await page.goto(page.url + "?lang=sv")
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await audit(page, "welcome, in Swedish")
    elsewhere, other = await served.new_page()
    await other.goto(cancelled["redirect_url"])
    await audit(other, "error, opened on another device")
    await elsewhere.close()
    await page.locator("a[href='/flow/cancel']").click()
    await audit(page, "cancel")
    await page.locator("form[action='/flow/cancel'] button").click()
    await page.wait_for_load_state("load")
    await audit(page, "canceled")
    await page.goto(served.base_url + "/flow/start?token=unknown")
    await audit(page, "error, unknown link")
    await page.goto(served.base_url + "/flow/onboarding/no-such-step")
    await audit(page, "error, no such page")
    expiring = await served.link()
    served.clock.advance(hours=2)
    await page.goto(expiring["redirect_url"])
    await audit(page, "error, expired link")
    await context.close()

    audit.assert_clean(
        [
            "welcome",
            "welcome, terms not accepted",
            "personal",
            "personal, with errors",
            "address",
            "phone",
            "phone, code sent",
            "document",
            "selfie",
            "selfie, with preview",
            "questions",
            "questions, politically exposed",
            "security",
            "security, passkey offer",
            "review",
            "done",
            "welcome, in Swedish",
            "error, opened on another device",
            "cancel",
            "canceled",
            "error, unknown link",
            "error, no such page",
            "error, expired link",
        ]
    )


async def enrol_passkey(served: Served, individual_id: str) -> None:
    """A stored passkey (the key itself is never used: the page only offers it)."""
    async with transaction(served.app.state.services.sessions) as session:
        session.add(
            WebauthnCredential(
                individual_id=uuid.UUID(individual_id),
                credential_id=base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
                public_key=b"\xa0",
                sign_count=0,
                created_at=served.clock.now(),
            )
        )


async def test_consent_flow_pages_have_no_wcag_violations(served: Served, audit: Audit) -> None:
    idv = await served.consent_link("identity_verification")
    context, page = await served.new_page()
    await page.goto(idv["redirect_url"])
    await heading(page, "Confirm it's you")
    await audit(page, "identity: confirm with passcode")
    await page.get_by_label("Passcode").fill("975310")
    await continue_(page)
    await expect(page.locator("#e-passcode")).to_be_visible()
    await audit(page, "identity: wrong passcode")
    await page.get_by_label("Passcode").fill(SANDBOX_PASSCODE)
    await continue_(page)
    await document_and_selfie(page, audit, "identity: ", "passport")
    await heading(page, "Check your details")
    await audit(page, "identity: review")
    await page.get_by_role("button", name="Submit").click()
    await heading(page, "Thank you")
    await audit(page, "identity: done")
    await context.close()

    poa = await served.consent_link("proof_of_address_verification", idv["individual_id"])
    await enrol_passkey(served, idv["individual_id"])
    context, page = await served.new_page()
    await page.goto(poa["redirect_url"])
    await expect(page.get_by_role("button", name="Use my passkey")).to_be_visible()
    await audit(page, "address: confirm with passkey or passcode")
    await page.get_by_role("textbox", name="Passcode").fill(SANDBOX_PASSCODE)
    await continue_(page)
    await heading(page, "Confirm your address")
    await audit(page, "address: confirm address")
    await continue_(page)
    await heading(page, "Proof of address")
    await audit(page, "address: proof")
    await page.get_by_label("Document type").select_option("utility_bill")
    too_old = (served.clock.now() - timedelta(days=120)).date().isoformat()
    await page.get_by_label("Issue date").fill(too_old)
    await page.get_by_label("File").set_input_files(utility_bill_pdf())
    await continue_(page)
    await expect(page.locator("#e-issue_date")).to_be_visible()
    await audit(page, "address: proof too old")
    recent = (served.clock.now() - timedelta(days=12)).date().isoformat()
    await page.get_by_label("Issue date").fill(recent)
    await continue_(page)
    await heading(page, "Check your details")
    await audit(page, "address: review")
    await page.get_by_role("button", name="Submit").click()
    await heading(page, "Thank you")
    await audit(page, "address: done")
    await page.goto(poa["redirect_url"])
    await audit(page, "address: link used again")
    await context.close()

    audit.assert_clean(
        [
            "identity: confirm with passcode",
            "identity: wrong passcode",
            "identity: document",
            "identity: selfie",
            "identity: selfie, with preview",
            "identity: review",
            "identity: done",
            "address: confirm with passkey or passcode",
            "address: confirm address",
            "address: proof",
            "address: proof too old",
            "address: review",
            "address: done",
            "address: link used again",
        ]
    )
