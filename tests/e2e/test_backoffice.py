"""The back office in headless Chromium: a reviewer approves a submitted individual; the partner
sees the event and its webhook endpoint receives it. A reviewer cannot open admin pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.conftest import PartnerHandle, make_settings, new_partner
from tests.e2e.support import chromium, require_browser, serve_app, shot
from tests.review.conftest import PASSWORD, submit_individual
from tests.webhooks.conftest import Receiver, start_receiver

from gangway.app import create_app
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import StaffRole
from gangway.review.staff import create_staff

pytestmark = pytest.mark.browser


@dataclass
class Served:
    base_url: str
    app: object
    partner: PartnerHandle
    receiver: Receiver

    async def staff(self, email: str, role: StaffRole) -> str:
        services = self.app.state.services  # type: ignore[attr-defined]
        async with transaction(services.sessions) as session:
            await create_staff(session, email, PASSWORD, role, services.clock.now())
        return email


@pytest.fixture
async def served(app, database_url: str) -> AsyncIterator[Served]:  # type: ignore[no-untyped-def]
    """The app (with its embedded webhook worker) on a free loopback port; ``app`` cleans tables."""
    require_browser()
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))

    def build(base_url: str) -> Any:
        return create_app(
            # These tests are about reviewing, not the second factor (tests/review/test_staff_mfa.py).
            make_settings(database_url, public_url=base_url, staff_mfa="optional"),
            clock=clock,
            run_worker=True,
        )

    async with serve_app(build, host="127.0.0.1") as (base_url, application):
        receiver = start_receiver()
        handle = await new_partner(application, "Acme Pay")
        try:
            yield Served(base_url, application, handle, receiver)
        finally:
            await handle.http.aclose()
            receiver.server.shutdown()
            receiver.server.server_close()


@pytest.fixture
async def browser():  # type: ignore[no-untyped-def]
    async with chromium() as launched:
        yield launched


async def _log_in(page, base_url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base_url + "/admin")
    assert page.url.startswith(base_url + "/admin/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(base_url + "/admin")


async def test_reviewer_finds_reviews_and_approves_a_submission(served: Served, browser) -> None:  # type: ignore[no-untyped-def]
    endpoint = await served.partner.http.post("/v3/webhooks", json={"url": served.receiver.url})
    assert endpoint.status_code == 201, endpoint.text
    individual = await submit_individual(served.partner, first_name="Greta", last_name="Garbo")
    email = await served.staff("reviewer@bank.example", StaffRole.reviewer)

    context = await browser.new_context()
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await _log_in(page, served.base_url, email)

    await page.get_by_role("link", name="Review queue").click()
    await page.wait_for_url("**/admin/queue")
    row = page.get_by_role("row").filter(has_text="Greta Garbo")
    assert "Acme Pay" in await row.inner_text()
    await row.get_by_role("link", name="Greta Garbo").click()
    await page.wait_for_url(f"**/admin/individuals/{individual['id']}")

    checks = page.locator("table.checks")
    for name in ("age", "document expiry", "sanctions", "pep"):
        assert await checks.get_by_role("cell", name=name, exact=True).count() == 1
    images = page.locator(".documents img")
    assert await images.count() == 2
    for index in range(2):
        image = images.nth(index)
        await image.scroll_into_view_if_needed()
        loaded = await image.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, await image.get_attribute("alt")
    await shot(page, "", "backoffice-individual")

    await page.get_by_label("Note (optional)").first.fill("Documents and selfie match.")
    await page.get_by_role("button", name="Approve").click()
    await page.get_by_text("Decision saved: approve.").wait_for()
    assert "activated" in await page.locator("h1").inner_text()
    await shot(page, "", "backoffice-approved")
    assert not [p for p in problems if "Content Security Policy" in p], problems

    events = await served.partner.http.get(
        f"/v3/events?individual_id={individual['id']}&name=IndividualActivated"
    )
    assert [e["name"] for e in events.json()["data"]] == ["IndividualActivated"]
    received = await served.receiver.wait_for(2, within=20)  # the submission and the approval
    bodies = [json.loads(r.body) for r in received]
    activated = [b for b in bodies if b.get("type", b.get("name")) == "IndividualActivated"]
    assert activated, bodies
    await context.close()


async def test_reviewer_cannot_reach_admin_pages(served: Served, browser) -> None:  # type: ignore[no-untyped-def]
    email = await served.staff("second@bank.example", StaffRole.reviewer)
    context = await browser.new_context()
    page = await context.new_page()
    await _log_in(page, served.base_url, email)
    assert await page.get_by_role("link", name="Partners").count() == 0
    response = await page.goto(served.base_url + "/admin/partners")
    assert response is not None and response.status == 403
    assert "administrators only" in await page.inner_text("main")
    await page.goto(served.base_url + "/admin/staff")
    assert "administrators only" in await page.inner_text("main")
    await context.close()


async def test_staff_enrols_a_passkey_at_first_login_then_uses_it_as_second_factor(
    app,  # type: ignore[no-untyped-def]
    database_url: str,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    """MFA required (the default): the first login leads to the enrolment page, a passkey is
    added with Chromium's virtual authenticator (via ``review/static/staff-passkey.js``), and
    the next login's second factor is that passkey."""
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))

    def build(base_url: str) -> Any:
        return create_app(make_settings(database_url, public_url=base_url), clock=clock)

    # localhost (not an IP): a valid WebAuthn relying party id.
    async with serve_app(build) as (base_url, application):
        services = application.state.services
        async with transaction(services.sessions) as session:
            await create_staff(
                session, "keyholder@bank.example", PASSWORD, StaffRole.admin, clock.now()
            )
        context = await browser.new_context()
        page = await context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
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

        async def password_step() -> None:
            await page.goto(base_url + "/admin/login")
            await page.get_by_label("Email").fill("keyholder@bank.example")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Log in").click()

        await password_step()
        await page.wait_for_url(base_url + "/admin/mfa/setup")
        assert "Setup key" in await page.inner_text("main")
        assert await page.locator("img.qr").evaluate("i => i.complete && i.naturalWidth > 0")
        await shot(page, "", "backoffice-mfa-setup")
        await page.get_by_role("button", name="Add a passkey").click()
        await page.wait_for_url(base_url + "/admin/mfa/setup?added=passkey")
        assert "Passkey added" in await page.inner_text("main")
        await page.get_by_role("button", name="Generate new recovery codes").click()
        await page.locator("#recovery-codes li").nth(9).wait_for()
        await page.goto(base_url + "/admin")
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(base_url + "/admin/login")

        await password_step()
        await page.wait_for_url(base_url + "/admin/mfa")
        await page.get_by_role("button", name="Use a passkey").click()
        await page.wait_for_url(base_url + "/admin")
        assert await page.get_by_role("link", name="Staff").count() == 1
        assert not [p for p in problems if "Content Security Policy" in p], problems
        await context.close()
