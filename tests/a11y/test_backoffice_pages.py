"""axe-core (WCAG 2.1 A and AA) on every back-office page in Chromium: the login, the second
factor's enrolment, recovery codes and prompt, the dashboard, queue, search, an individual with
documents and a pending action, partners, a partner with a webhook endpoint, staff, the audit
log and an error page; on each, every Tab stop shows its focus."""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest
from playwright.async_api import Page, expect

from gangway.db.session import transaction
from gangway.models import StaffRole
from gangway.review.staff import create_staff
from tests.a11y.axe import Audit
from tests.a11y.conftest import Served
from tests.a11y.keyboard import Keyboard
from tests.review.conftest import PASSWORD, submit_individual

pytestmark = pytest.mark.browser

EMAIL = "auditor@bank.example"


async def password_step(page: Page, base_url: str, password: str) -> None:
    await page.goto(base_url + "/admin/login")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_back_office_pages_have_no_wcag_violations(served: Served, audit: Audit) -> None:
    individual = await submit_individual(served.partner, first_name="Greta", last_name="Garbo")
    raised = await served.partner.http.post(
        f"/v3/simulations/individuals/{individual['id']}/identity_verification"
    )
    assert raised.status_code == 201, raised.text
    held = await submit_individual(served.partner, first_name="Ingrid", last_name="Bergman")
    redaction = await served.partner.http.post(f"/v3/individuals/{held['id']}/redact", json={})
    assert redaction.status_code == 202, redaction.text
    webhook = await served.partner.http.post("/v3/webhooks", json={"url": "http://127.0.0.1:9/"})
    assert webhook.status_code == 201, webhook.text
    services = served.app.state.services
    async with transaction(services.sessions) as session:
        await create_staff(session, EMAIL, PASSWORD, StaffRole.admin, served.clock.now())
    base = served.base_url
    context = await served.browser.new_context(locale="en-GB")
    page = await context.new_page()

    await page.goto(base + "/admin")
    await page.wait_for_url("**/admin/login**")
    await audit(page, "login")
    await password_step(page, base, "not the password")
    await expect(page.get_by_role("alert")).to_be_visible()
    await audit(page, "login, wrong password")
    await password_step(page, base, PASSWORD)
    await page.wait_for_url("**/admin/mfa/setup**")
    await audit(page, "mfa setup")
    await page.get_by_label("Code from the app").fill("000000")
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("alert").filter(has_text="does not match")).to_be_visible()
    await audit(page, "mfa setup, wrong code")
    secret = re.sub(r"\s", "", await page.locator("#setup-key").inner_text())
    totp = pyotp.TOTP(secret)
    await page.get_by_label("Code from the app").fill(totp.at(served.clock.now()))
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.locator("#recovery-codes li")).to_have_count(10)
    await audit(page, "recovery codes")

    pages = {
        "dashboard": "/admin",
        "queue": "/admin/queue",
        "find": "/admin/individuals?q=Garbo",
        "individual": f"/admin/individuals/{individual['id']}",
        "partners": "/admin/partners",
        "partner": f"/admin/partners/{served.partner.partner_id}",
        "staff": "/admin/staff",
        "audit log": "/admin/audit",
        "erasures": "/admin/erasures",
        "held for erasure": f"/admin/individuals/{held['id']}",
        "security": "/admin/mfa/setup",
        "error, not found": f"/admin/individuals/{uuid.uuid4()}",
    }
    keys = Keyboard(page)
    for name, path in pages.items():
        await page.goto(base + path)
        await audit(page, name)
        assert await keys.tab_through() > 3, name
    await page.goto(base + "/admin")
    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/admin/login**")
    await password_step(page, base, PASSWORD)
    await page.wait_for_url("**/admin/mfa**")
    await audit(page, "second factor")
    await page.get_by_label(re.compile("Code from your authenticator app")).fill(
        totp.at(served.clock.now(), counter_offset=1)
    )
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(base + "/admin")
    await context.close()

    assert not keys.unseen_focus, "focus not visible:\n" + "\n".join(keys.unseen_focus)
    audit.assert_clean(
        [
            "login",
            "login, wrong password",
            "mfa setup",
            "mfa setup, wrong code",
            "recovery codes",
            *pages,
            "second factor",
        ]
    )
