"""Staff second factor: TOTP enrolment at the first login (QR code, setup key), the second-factor
step, half-authenticated sessions, replay refusal, recovery codes, throttling, admin reset and
the optional mode."""

from __future__ import annotations

import httpx
import pyotp
from sqlalchemy import select

from gangway.app import create_app
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, StaffRole, StaffUser
from gangway.review.staff import create_staff
from gangway.services import Services
from tests.conftest import make_settings
from tests.review.conftest import PASSWORD, StaffBrowser, StaffFactory, csrf_of, totp_code
from tests.review.test_staff_lifecycle import entries, staff_id


async def test_first_login_enrols_an_authenticator_app_with_a_qr_code_and_recovery_codes(
    make_staff: StaffFactory, services: Services, clock: FrozenClock
) -> None:
    browser = await make_staff("reviewer", login=False, totp=False)
    response = await browser.password_step()
    assert response.headers["location"] == "/admin/mfa/setup"
    # Nothing else is reachable before the enrolment.
    for path in ("/admin", "/admin/queue", "/admin/audit"):
        blocked = await browser.http.get(path)
        assert blocked.status_code == 303 and blocked.headers["location"] == "/admin/mfa"
    assert (await browser.http.get("/admin/mfa")).headers["location"] == "/admin/mfa/setup"
    setup = await browser.http.get("/admin/mfa/setup")
    assert "Setup key" in setup.text
    assert 'src="data:image/svg+xml' in setup.text  # generated here, no external service
    assert "<script>" not in setup.text and "style=" not in setup.text
    assert "img-src 'self' data: blob:" in setup.headers["content-security-policy"]
    # A wrong code keeps the same pending secret on the page.
    pending = setup.text.split('name="pending" value="')[1].split('"')[0]
    wrong = await browser.http.post(
        "/admin/mfa/setup",
        data={"csrf_token": csrf_of(setup.text), "pending": pending, "code": "000000"},
    )
    assert wrong.status_code == 400 and "does not match" in wrong.text
    done = await browser.enrol_totp()
    assert "shown only now" in done.text
    assert browser.recovery_codes and len(set(browser.recovery_codes)) == 10
    assert (await browser.http.get("/admin")).status_code == 200
    async with transaction(services.read_sessions) as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.email == browser.email))
    assert user and user.totp_secret and browser.totp_secret
    # Sealed at rest: the stored value is not the secret, and opens with the derived key.
    assert browser.totp_secret not in user.totp_secret
    enrolled = await entries(services, "staff.mfa_enrolled")
    assert enrolled[0].detail == {"factor": "totp"}
    assert all(
        browser.totp_secret not in str(e.detail)
        for e in await entries(services, "staff.mfa_enrolled")
    )


async def test_with_a_factor_the_password_leads_to_the_second_factor_step_only(
    make_staff: StaffFactory, submitted: dict
) -> None:
    browser = await make_staff("admin", login=False)
    response = await browser.password_step()
    assert response.headers["location"] == "/admin/mfa"
    for path in ("/admin", "/admin/staff", f"/admin/individuals/{submitted['id']}"):
        blocked = await browser.http.get(path)
        assert blocked.headers["location"] == "/admin/mfa"
    # Enrolling another factor would skip the one the account has.
    assert (await browser.http.get("/admin/mfa/setup")).headers["location"] == "/admin/mfa"
    page = await browser.http.get("/admin/mfa")
    decision = await browser.http.post(
        f"/admin/individuals/{submitted['id']}/decision",
        data={"decision": "approve", "csrf_token": csrf_of(page.text)},
    )
    assert decision.headers["location"] == "/admin/mfa"
    half_cookie = browser.http.cookies.get("gangway_staff")
    done = await browser.second_factor()
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    # The session got a new cookie value; the pre-MFA one is dead.
    assert browser.http.cookies.get("gangway_staff") != half_cookie
    fresh_cookie = browser.http.cookies.get("gangway_staff") or ""
    browser.http.cookies.set("gangway_staff", half_cookie or "", path="/admin")
    assert (await browser.http.get("/admin")).status_code == 303
    browser.http.cookies.set("gangway_staff", fresh_cookie, path="/admin")
    assert (await browser.http.get("/admin")).status_code == 200


async def test_next_is_kept_through_the_second_factor(make_staff: StaffFactory) -> None:
    browser = await make_staff("reviewer", login=False)
    form = await browser.http.get("/admin/login?next=/admin/queue")
    response = await browser.http.post(
        "/admin/login",
        data={
            "email": browser.email,
            "password": PASSWORD,
            "next": "/admin/queue",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert response.headers["location"] == "/admin/mfa?next=/admin/queue"
    done = await browser.second_factor(response.headers["location"])
    assert done.headers["location"] == "/admin/queue"


async def test_a_totp_code_cannot_be_replayed_in_its_time_step(
    make_staff: StaffFactory, clock: FrozenClock, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    assert browser.totp_secret
    code = totp_code(browser.totp_secret, clock)
    for expected in (303, 401):
        await browser.password_step()
        page = await browser.http.get("/admin/mfa")
        response = await browser.http.post(
            "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": code}
        )
        assert response.status_code == expected
        if expected == 303:
            await browser.http.post(
                "/admin/logout",
                data={"csrf_token": csrf_of((await browser.http.get("/admin")).text)},
            )
    assert "already used" in response.text
    # A code of an earlier step than the last accepted one is refused too.
    clock.advance(seconds=30)
    assert (
        await browser.http.post(
            "/admin/mfa", data={"csrf_token": csrf_of(response.text), "code": code}
        )
    ).status_code == 401
    fresh = totp_code(browser.totp_secret, clock, 1)
    ok = await browser.http.post(
        "/admin/mfa", data={"csrf_token": csrf_of(response.text), "code": fresh}
    )
    assert ok.status_code == 303
    assert len(await entries(services, "staff.mfa_failed")) == 2


async def test_recovery_codes_work_once_and_can_be_regenerated(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    assert browser.recovery_codes
    code = browser.recovery_codes[0]
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    used = await browser.http.post(
        "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": code.upper()}
    )
    assert used.status_code == 303
    [entry] = await entries(services, "staff.mfa_verified")
    assert entry.detail == {"method": "recovery_code"}
    dashboard = await browser.http.get("/admin")
    await browser.http.post("/admin/logout", data={"csrf_token": csrf_of(dashboard.text)})
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    again = await browser.http.post(
        "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": code}
    )
    assert again.status_code == 401
    # Regenerate from the security page: the old codes stop working.
    assert (await browser.second_factor()).status_code == 303
    setup = await browser.http.get("/admin/mfa/setup")
    assert "9 unused recovery codes left" in setup.text
    fresh = await browser.http.post(
        "/admin/mfa/recovery-codes", data={"csrf_token": csrf_of(setup.text)}
    )
    assert fresh.status_code == 200
    new_codes = fresh.text.count("<li><code>")
    assert new_codes == 10
    old = browser.recovery_codes[1]
    dashboard = await browser.http.get("/admin")
    await browser.http.post("/admin/logout", data={"csrf_token": csrf_of(dashboard.text)})
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    refused = await browser.http.post(
        "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": old}
    )
    assert refused.status_code == 401


async def test_wrong_codes_are_throttled_per_account_and_audited(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    allowed = services.settings.login_failures_allowed
    for _ in range(allowed):
        wrong = await browser.http.post(
            "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": "123456"}
        )
        assert wrong.status_code == 401
    # Even the right code is refused while throttled.
    assert browser.totp_secret
    right = await browser.http.post(
        "/admin/mfa",
        data={
            "csrf_token": csrf_of(page.text),
            "code": totp_code(browser.totp_secret, services.clock),
        },
    )
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert len(await entries(services, "staff.mfa_failed")) == allowed
    assert len(await entries(services, "staff.mfa_throttled")) == 1


async def test_an_admin_resets_a_persons_factors_and_their_sessions_end(
    admin: StaffBrowser, reviewer: StaffBrowser, services: Services
) -> None:
    subject = await staff_id(services, reviewer.email)
    staff_page = await admin.http.get("/admin/staff")
    assert f"/admin/staff/{subject}/factors/reset" in staff_page.text
    response = await admin.post(f"/admin/staff/{subject}/factors/reset")
    assert response.status_code == 303
    assert (await reviewer.http.get("/admin")).status_code == 303
    assert (await reviewer.password_step()).headers["location"] == "/admin/mfa/setup"
    [entry] = await entries(services, "staff.mfa_reset")
    assert entry.actor_id == str(await staff_id(services, admin.email))
    assert entry.detail and entry.detail["removed"] == ["totp", "recovery_codes"]


async def test_optional_mode_lets_an_account_without_a_factor_in_with_its_password(
    database_url: str, clock: FrozenClock
) -> None:
    optional = create_app(make_settings(database_url, staff_mfa="optional"), clock=clock)
    services: Services = optional.state.services
    async with optional.router.lifespan_context(optional):
        async with transaction(services.sessions) as session:
            await create_staff(
                session, "opt@bank.example", PASSWORD, StaffRole.reviewer, clock.now()
            )
        transport = httpx.ASGITransport(app=optional, client=("192.0.2.50", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            browser = StaffBrowser("opt@bank.example", "reviewer", http, clock=clock)
            response = await browser.password_step()
            assert response.headers["location"] == "/admin"
            assert (await http.get("/admin")).status_code == 200
            # Once enrolled, the factor is asked for, optional or not.
            await browser.enrol_totp()
            dashboard = await http.get("/admin")
            await http.post("/admin/logout", data={"csrf_token": csrf_of(dashboard.text)})
            assert (await browser.password_step()).headers["location"] == "/admin/mfa"
    await services.engine.dispose()


async def test_totp_codes_follow_rfc_6238(
    make_staff: StaffFactory, clock: FrozenClock, services: Services
) -> None:
    """The codes the server accepts are the standard ones (any authenticator app)."""
    browser = await make_staff("reviewer", login=False)
    assert browser.totp_secret
    totp = pyotp.TOTP(browser.totp_secret)
    assert totp.interval == 30 and totp.digits == 6
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    ok = await browser.http.post(
        "/admin/mfa", data={"csrf_token": csrf_of(page.text), "code": totp.at(clock.now())}
    )
    assert ok.status_code == 303
    async with transaction(services.read_sessions) as session:
        assert await session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "staff.mfa_verified")
        )


async def test_passkey_calls_need_the_csrf_header_a_challenge_and_cannot_skip_the_factor(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    await browser.password_step()
    page = await browser.http.get("/admin/mfa")
    token = csrf_of(page.text)
    headers = {"x-csrf-token": token, "content-type": "application/json"}
    # No CSRF header: refused.
    assert (await browser.http.post("/admin/mfa/passkey/options", json={})).status_code == 403
    # No passkey enrolled: no login options.
    assert (
        await browser.http.post("/admin/mfa/passkey/options", headers=headers, content="{}")
    ).status_code == 403
    # A half-authenticated session of an account with TOTP cannot enrol a passkey instead.
    enrol = await browser.http.post(
        "/admin/mfa/passkey/register-options", headers=headers, content="{}"
    )
    assert enrol.status_code == 403
    # A made-up assertion without a challenge is refused, counted and audited.
    forged = await browser.http.post(
        "/admin/mfa/passkey/verify",
        headers=headers,
        content='{"credential": {"rawId": "AAAA", "id": "AAAA"}}',
    )
    assert forged.status_code == 400
    assert (await browser.http.get("/admin")).headers["location"] == "/admin/mfa"
    [failed] = await entries(services, "staff.mfa_failed")
    assert failed.detail == {"method": "passkey"}
    garbage = await browser.http.post(
        "/admin/mfa/passkey/verify", headers=headers, content="not json"
    )
    assert garbage.status_code == 400
