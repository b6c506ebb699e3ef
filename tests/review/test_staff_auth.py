"""Staff login, sessions, CSRF, throttling and roles."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, StaffSession
from gangway.services import Services
from tests.review.conftest import PASSWORD, StaffBrowser, StaffFactory, csrf_of

REVIEWER_PAGES = ["/admin", "/admin/queue", "/admin/individuals", "/admin/audit"]
ADMIN_PAGES = ["/admin/partners", "/admin/staff"]


async def audit_actions(services: Services) -> list[AuditEntry]:
    async with transaction(services.read_sessions) as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.created_at)))


async def test_login_sets_a_strict_http_only_cookie_and_is_audited(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    response = await browser.login()
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("gangway_staff=")
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/admin" in lowered
    assert "secure" not in lowered  # the test public URL is http
    dashboard = await browser.http.get("/admin")
    assert dashboard.status_code == 200 and browser.email in dashboard.text
    entries = await audit_actions(services)
    # The password step, then the second factor.
    assert sorted(e.action for e in entries) == ["staff.login", "staff.mfa_verified"]
    assert {e.client_ip for e in entries} == {"192.0.2.10"}
    async with transaction(services.read_sessions) as session:
        stored = (await session.scalars(select(StaffSession))).one()
    # Only a hash of the cookie value is stored.
    raw = cookie.split(";")[0].split("=", 1)[1]
    assert stored.session_hash != raw and len(stored.session_hash) == 64


async def test_cookie_is_secure_when_the_public_url_is_https(app, database_url, clock) -> None:  # type: ignore[no-untyped-def]
    from gangway.app import create_app
    from gangway.models import StaffRole
    from gangway.review.staff import create_staff
    from tests.conftest import make_settings

    https_app = create_app(
        make_settings(database_url, public_url="https://bank.example"), clock=clock
    )
    services: Services = https_app.state.services
    async with https_app.router.lifespan_context(https_app):
        async with transaction(services.sessions) as session:
            await create_staff(
                session, "sec@bank.example", PASSWORD, StaffRole.reviewer, clock.now()
            )
        transport = httpx.ASGITransport(app=https_app, client=("192.0.2.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            browser = StaffBrowser("sec@bank.example", "reviewer", http, clock=clock)
            response = await browser.login()
            cookie = next(
                h for h in response.headers.get_list("set-cookie") if h.startswith("gangway_staff=")
            )
            assert "secure" in cookie.lower()
    await services.engine.dispose()


async def test_wrong_password_is_refused_and_audited_without_revealing_which(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False)
    wrong = await browser.login("not the password at all")
    unknown = await StaffBrowser("nobody@bank.example", "reviewer", browser.http).login(PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "The email or password is not correct." in response.text
    assert "gangway_staff=" not in " ".join(wrong.headers.get_list("set-cookie"))
    failed = [e for e in await audit_actions(services) if e.action == "staff.login_failed"]
    # (The frozen clock gives both the same timestamp, so compare without order.)
    assert sorted(e.actor_id for e in failed) == sorted([browser.email, "nobody@bank.example"])


async def test_repeated_failures_are_throttled_per_email_and_audited(
    make_staff: StaffFactory, services: Services
) -> None:
    target = await make_staff("reviewer", login=False)
    allowed = services.settings.staff_login_free_failures_per_email
    for attempt in range(allowed):
        # Each from another address: the per-email counter alone must stop the guessing.
        attacker = await make_staff("reviewer", login=False, ip=f"198.18.0.{attempt + 1}")
        response = await StaffBrowser(target.email, "reviewer", attacker.http).login(
            "guess-guess-guess"
        )
        assert response.status_code == 401
    # Even the right password is refused while throttled.
    response = await target.login()
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    actions = [e.action for e in await audit_actions(services)]
    assert actions.count("staff.login_failed") == allowed
    assert actions.count("staff.login_throttled") == 1


async def test_repeated_failures_are_throttled_per_address(
    make_staff: StaffFactory, services: Services
) -> None:
    browser = await make_staff("reviewer", login=False, ip="198.18.1.1")
    for n in range(services.settings.staff_login_free_failures_per_address):
        response = await StaffBrowser(f"guess{n}@bank.example", "reviewer", browser.http).login()
        assert response.status_code == 401
    assert (await browser.login()).status_code == 429


async def test_login_form_needs_its_csrf_token(make_staff: StaffFactory) -> None:
    browser = await make_staff("reviewer", login=False)
    await browser.http.get("/admin/login")
    response = await browser.http.post(
        "/admin/login", data={"email": browser.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "gangway_staff=" not in " ".join(response.headers.get_list("set-cookie"))
    # A token without the pre-login cookie it is bound to (a cross-site post) is refused too.
    token = csrf_of((await browser.http.get("/admin/login")).text)
    browser.http.cookies.clear()
    cross_site = await browser.http.post(
        "/admin/login", data={"email": browser.email, "password": PASSWORD, "csrf_token": token}
    )
    assert cross_site.status_code == 403


async def test_every_form_post_needs_the_session_csrf_token(
    reviewer: StaffBrowser, submitted: dict
) -> None:
    path = f"/admin/individuals/{submitted['id']}/decision"
    missing = await reviewer.http.post(path, data={"decision": "approve"})
    forged = await reviewer.http.post(path, data={"decision": "approve", "csrf_token": "0" * 64})
    for response in (missing, forged):
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    logout = await reviewer.http.post("/admin/logout", data={})
    assert logout.status_code == 403


async def test_csrf_token_of_another_session_is_refused(
    make_staff: StaffFactory, submitted: dict
) -> None:
    first = await make_staff("reviewer")
    second = await make_staff("reviewer")
    response = await second.http.post(
        f"/admin/individuals/{submitted['id']}/decision",
        data={"decision": "approve", "csrf_token": first.csrf_token},
    )
    assert response.status_code == 403


async def test_idle_session_expires_after_30_minutes(
    reviewer: StaffBrowser, clock: FrozenClock
) -> None:
    clock.advance(minutes=29)
    assert (await reviewer.http.get("/admin")).status_code == 200
    clock.advance(minutes=29)  # activity moved the idle window
    assert (await reviewer.http.get("/admin")).status_code == 200
    clock.advance(minutes=30)
    response = await reviewer.http.get("/admin/queue")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin/queue"
    clock.advance(seconds=1)
    assert (await reviewer.http.get("/admin")).status_code == 303


async def test_logout_ends_the_session_server_side(
    reviewer: StaffBrowser, services: Services
) -> None:
    cookie = reviewer.http.cookies.get("gangway_staff")
    response = await reviewer.post("/admin/logout")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    # Replaying the old cookie does not work.
    reviewer.http.cookies.set("gangway_staff", cookie or "", path="/admin")
    assert (await reviewer.http.get("/admin")).status_code == 303
    assert "staff.logout" in [e.action for e in await audit_actions(services)]


@pytest.mark.parametrize("path", REVIEWER_PAGES + ADMIN_PAGES)
async def test_pages_without_a_session_redirect_to_login(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


async def test_garbage_cookie_redirects_to_login(client: httpx.AsyncClient) -> None:
    client.cookies.set("gangway_staff", "x" * 5000, path="/admin")
    assert (await client.get("/admin")).status_code == 303


@pytest.mark.parametrize("path", ADMIN_PAGES)
async def test_reviewer_cannot_reach_admin_pages(reviewer: StaffBrowser, path: str) -> None:
    response = await reviewer.http.get(path)
    assert response.status_code == 403
    assert "administrators only" in response.text
    assert "text/html" in response.headers["content-type"]


async def test_reviewer_cannot_use_admin_actions(
    reviewer: StaffBrowser,
    partner,
    services: Services,  # type: ignore[no-untyped-def]
) -> None:
    paths = [
        f"/admin/partners/{partner.partner_id}",
        f"/admin/partners/{partner.partner_id}/webhooks/x/deliveries/y/retry",
        f"/admin/partners/{partner.partner_id}/webhooks/x/recover",
    ]
    assert (await reviewer.http.get(paths[0])).status_code == 403
    for path in paths[1:]:
        assert (await reviewer.post(path, days="1")).status_code == 403
    # The admin links are not even shown.
    assert "/admin/partners" not in (await reviewer.http.get("/admin")).text


@pytest.mark.parametrize("path", REVIEWER_PAGES + ADMIN_PAGES)
async def test_admin_reaches_every_page(admin: StaffBrowser, path: str) -> None:
    response = await admin.http.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].startswith("no-store")
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_next_parameter_cannot_redirect_off_site(make_staff: StaffFactory) -> None:
    browser = await make_staff("reviewer", login=False)
    form = await browser.http.get("/admin/login?next=//evil.example/admin")
    response = await browser.http.post(
        "/admin/login",
        data={
            "email": browser.email,
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example/",
        },
    )
    # The second factor step does not carry the off-site target either.
    assert response.headers["location"] == "/admin/mfa"
    second = await browser.second_factor(response.headers["location"])
    assert second.headers["location"] == "/admin"
