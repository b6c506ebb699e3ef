"""Single sign-on for staff against a real OpenID Connect provider on 127.0.0.1
(``tests/review/oidc_provider.py``): the whole authorization code flow with PKCE, driven with
httpx through the ASGI app, following the redirects by hand between the app and the provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from gangway.app import create_app
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, StaffRole, StaffUser
from gangway.review.staff import create_staff
from gangway.services import Services
from tests.conftest import _empty_tables, make_settings
from tests.review.conftest import PASSWORD, StaffBrowser, csrf_of
from tests.review.oidc_provider import Provider


@dataclass
class SsoApp:
    provider: Provider
    services: Services
    http: httpx.AsyncClient  # the browser's side of the app (ASGI)
    idp: httpx.AsyncClient  # the browser's side of the provider (real HTTP)

    async def sign_in(self) -> httpx.Response:
        """Login page → the button → the provider → the callback; returns the callback's answer."""
        login = await self.http.get("/admin/login")
        assert "Sign in with your bank's identity provider" in login.text
        start = await self.http.post(
            "/admin/sso/start", data={"csrf_token": csrf_of(login.text), "next": "/admin"}
        )
        assert start.status_code == 303, start.text
        authorize = start.headers["location"]
        query = parse_qs(urlsplit(authorize).query)
        assert authorize.startswith(self.provider.issuer + "/authorize")
        assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
        assert "openid" in query["scope"][0].split()
        approved = await self.idp.get(authorize)
        assert approved.status_code == 302
        back = urlsplit(approved.headers["location"])
        assert f"{back.scheme}://{back.netloc}" == "http://testserver"
        return await self.http.get(f"{back.path}?{back.query}")

    async def audit(self, action: str) -> list[AuditEntry]:
        async with transaction(self.services.read_sessions) as session:
            return list(
                await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
            )


@pytest.fixture
def provider() -> AsyncIterator[Provider]:
    started = Provider(
        user={"email": "Officer@Bank.example", "gangway_role": "admin", "amr": ["pwd", "mfa"]}
    ).start()
    yield started  # type: ignore[misc]
    started.stop()


async def _sso_app(
    database_url: str, clock: FrozenClock, provider: Provider, **overrides: object
) -> AsyncIterator[SsoApp]:
    application = create_app(
        make_settings(
            database_url,
            staff_oidc_issuer=provider.issuer,
            staff_oidc_client_id=provider.client_id,
            staff_oidc_client_secret=provider.client_secret,
            **overrides,
        ),
        clock=clock,
    )
    services: Services = application.state.services
    await _empty_tables(services)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("192.0.2.77", 1))
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
            httpx.AsyncClient() as idp,
        ):
            yield SsoApp(provider, services, http, idp)
    await services.engine.dispose()


@pytest.fixture
async def sso(database_url: str, clock: FrozenClock, provider: Provider) -> AsyncIterator[SsoApp]:
    async for app in _sso_app(database_url, clock, provider):
        yield app


async def test_first_sso_login_creates_the_account_and_idp_mfa_completes_the_session(
    sso: SsoApp,
) -> None:
    done = await sso.sign_in()
    assert done.status_code == 200, done.text
    assert 'http-equiv="refresh" content="0;url=/admin"' in done.text
    dashboard = await sso.http.get("/admin")
    assert dashboard.status_code == 200 and "officer@bank.example" in dashboard.text
    assert (await sso.http.get("/admin/staff")).status_code == 200  # the admin role claim
    async with transaction(sso.services.read_sessions) as session:
        user = await session.scalar(
            select(StaffUser).where(StaffUser.email == "officer@bank.example")
        )
    assert user and user.role == "admin" and user.password_hash is None
    [created] = await sso.audit("staff.created")
    assert created.detail and created.detail["via"] == "sso"
    [login] = await sso.audit("staff.login")
    assert login.detail == {
        "email": "officer@bank.example",
        "method": "sso",
        "second_factor": "identity_provider",
    }
    # The code went with the PKCE verifier and the client secret.
    [token_request] = sso.provider.token_requests
    assert token_request["code_verifier"] and token_request["client_secret"]


async def test_without_idp_mfa_the_local_second_factor_still_applies(sso: SsoApp) -> None:
    sso.provider.user["amr"] = ["pwd"]
    done = await sso.sign_in()
    assert "url=/admin/mfa/setup" in done.text
    blocked = await sso.http.get("/admin")
    assert blocked.headers["location"] == "/admin/mfa"
    browser = StaffBrowser("officer@bank.example", "admin", sso.http, clock=sso.services.clock)  # type: ignore[arg-type]
    await browser.enrol_totp()
    assert (await sso.http.get("/admin")).status_code == 200


async def test_a_missing_or_unknown_role_claim_is_refused(sso: SsoApp) -> None:
    for role in (None, "superuser"):
        if role is None:
            sso.provider.user.pop("gangway_role", None)
        else:
            sso.provider.user["gangway_role"] = role
        refused = await sso.sign_in()
        assert refused.status_code == 403
        assert "no back-office role" in refused.text
        assert "gangway_staff=" not in " ".join(refused.headers.get_list("set-cookie"))
    assert len(await sso.audit("staff.sso_refused")) == 2
    async with transaction(sso.services.read_sessions) as session:
        assert await session.scalar(select(StaffUser.id)) is None


async def test_a_disabled_account_stays_refused_and_the_role_follows_the_provider(
    sso: SsoApp,
) -> None:
    services = sso.services
    async with transaction(services.sessions) as session:
        user = await create_staff(
            session, "officer@bank.example", PASSWORD, StaffRole.reviewer, services.clock.now()
        )
    # The provider says admin: the role follows it.
    assert (await sso.sign_in()).status_code == 200
    [changed] = await sso.audit("staff.role_changed")
    assert changed.detail and (changed.detail["before"], changed.detail["after"]) == (
        "reviewer",
        "admin",
    )
    async with transaction(services.sessions) as session:
        stored = await session.get(StaffUser, user.id)
        assert stored
        stored.disabled_at = services.clock.now()
    sso.http.cookies.clear()
    refused = await sso.sign_in()
    assert refused.status_code == 403 and "disabled" in refused.text


async def test_a_token_signed_with_another_key_or_a_foreign_state_is_refused(
    sso: SsoApp,
) -> None:
    sso.provider.sign_with_other_key = True
    refused = await sso.sign_in()
    assert refused.status_code == 403 and "ID token is not valid" in refused.text
    sso.provider.sign_with_other_key = False
    # A callback for another browser's sign-in (the state does not match this one's cookie).
    login = await sso.http.get("/admin/login")
    start = await sso.http.post("/admin/sso/start", data={"csrf_token": csrf_of(login.text)})
    approved = await sso.idp.get(start.headers["location"])
    back = urlsplit(approved.headers["location"])
    code = parse_qs(back.query)["code"][0]
    forged = await sso.http.get(f"/admin/sso/callback?code={code}&state=someone-elses")
    assert forged.status_code == 403 and "does not belong" in forged.text
    # Without the state cookie at all.
    sso.http.cookies.clear()
    assert (await sso.http.get(f"/admin/sso/callback?code={code}&state=x")).status_code == 403
    reasons = [e.detail["reason"] for e in await sso.audit("staff.sso_refused") if e.detail]
    assert reasons == ["invalid_answer", "invalid_answer", "no_state"]


async def test_without_local_passwords_only_the_provider_button_remains(
    database_url: str, clock: FrozenClock, provider: Provider
) -> None:
    async for app in _sso_app(database_url, clock, provider, staff_local_passwords=False):
        login = await app.http.get("/admin/login")
        assert 'name="password"' not in login.text
        assert "Sign in with your bank's identity provider" in login.text
        posted = await app.http.post(
            "/admin/login",
            data={
                "email": "a@bank.example",
                "password": PASSWORD,
                "csrf_token": csrf_of(login.text),
            },
        )
        assert posted.status_code == 403
        assert (await app.sign_in()).status_code == 200


async def test_sso_routes_are_404_when_not_configured(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/sso/callback?code=x&state=y")).status_code == 404
    assert "identity provider" not in (await client.get("/admin/login")).text
