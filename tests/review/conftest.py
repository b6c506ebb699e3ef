"""Back-office fixtures: staff accounts, logged-in staff browsers (httpx), submitted individuals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pyotp
import pytest

from gangway.db.session import transaction
from gangway.kit.clock import Clock
from gangway.models import StaffRole
from gangway.review import mfa
from gangway.review.staff import create_staff
from tests.conftest import PartnerHandle, create_individual

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SETUP_KEY = re.compile(r"<strong>Setup key</strong>: <code[^>]*>([A-Z2-7 ]+)</code>")
PENDING = re.compile(r'name="pending" value="([^"]+)"')
RECOVERY_CODE = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def totp_code(secret: str, clock: Clock, ahead: int = 0) -> str:
    """The authenticator app's code at the (frozen) clock's time, ``ahead`` steps later."""
    return pyotp.TOTP(secret).at(clock.now(), counter_offset=ahead)


@dataclass
class StaffBrowser:
    """One person's cookie jar. ``login()`` does the whole login: the password, then the second
    factor (a TOTP code computed from ``totp_secret``, or the enrolment when the account has no
    factor yet: the secret is read from the setup page's "Setup key")."""

    email: str
    role: str
    http: httpx.AsyncClient
    csrf_token: str = ""
    clock: Clock | None = None
    totp_secret: str | None = None
    recovery_codes: list[str] | None = None
    # The TOTP steps ahead of the clock already spent (a code works once).
    steps_used: int = 0

    async def password_step(self, password: str = PASSWORD) -> httpx.Response:
        form = await self.http.get("/admin/login")
        assert form.status_code == 200
        return await self.http.post(
            "/admin/login",
            data={"email": self.email, "password": password, "csrf_token": csrf_of(form.text)},
        )

    async def login(self, password: str = PASSWORD) -> httpx.Response:
        response = await self.password_step(password)
        if response.status_code == 303:
            location = response.headers["location"]
            if location.startswith("/admin/mfa/setup"):
                await self.enrol_totp(location)
            elif location.startswith("/admin/mfa"):
                response = await self.second_factor(location)
        if response.status_code == 303:
            page = await self.http.get("/admin")
            assert page.status_code == 200, page.text
            self.csrf_token = csrf_of(page.text)
        return response

    def next_code(self) -> str:
        """A TOTP code not used yet: the clock is frozen, so the next step (accepted as clock
        drift) serves a second login in the same 30 seconds; after that, a recovery code."""
        assert self.totp_secret and self.clock
        if self.steps_used <= 1:
            self.steps_used += 1
            return totp_code(self.totp_secret, self.clock, self.steps_used - 1)
        assert self.recovery_codes, "no TOTP step or recovery code left"
        return self.recovery_codes.pop()

    async def second_factor(self, location: str = "/admin/mfa") -> httpx.Response:
        page = await self.http.get(location)
        assert page.status_code == 200, page.text
        next_field = re.search(r'name="next" value="([^"]*)"', page.text)
        return await self.http.post(
            "/admin/mfa",
            data={
                "csrf_token": csrf_of(page.text),
                "code": self.next_code(),
                "next": next_field.group(1) if next_field else "/admin",
            },
        )

    async def enrol_totp(self, location: str = "/admin/mfa/setup") -> httpx.Response:
        """The first-login enrolment through the pages; keeps the secret and recovery codes."""
        assert self.clock, "enrolment needs the clock"
        page = await self.http.get(location)
        assert page.status_code == 200, page.text
        found = SETUP_KEY.search(page.text)
        assert found, "no setup key on the page"
        self.totp_secret = found.group(1).replace(" ", "")
        pending = PENDING.search(page.text)
        assert pending
        response = await self.http.post(
            "/admin/mfa/setup",
            data={
                "csrf_token": csrf_of(page.text),
                "pending": pending.group(1),
                "code": totp_code(self.totp_secret, self.clock),
            },
        )
        assert response.status_code == 200, response.text
        self.steps_used = 1
        self.recovery_codes = RECOVERY_CODE.findall(response.text)
        return response

    async def post(self, path: str, **fields: str) -> httpx.Response:
        return await self.http.post(path, data={"csrf_token": self.csrf_token, **fields})

    async def decide(self, individual_id: str, decision: str, **fields: str) -> httpx.Response:
        return await self.post(
            f"/admin/individuals/{individual_id}/decision", decision=decision, **fields
        )


StaffFactory = Callable[..., Awaitable[StaffBrowser]]


@pytest.fixture
async def make_staff(app) -> AsyncIterator[StaffFactory]:  # type: ignore[no-untyped-def]
    """``await make_staff(role, login=True, totp=True)``: an account (with an authenticator app
    enrolled unless ``totp=False``) and its own cookie jar."""
    services = app.state.services
    clients: list[httpx.AsyncClient] = []
    counter = 0

    async def factory(
        role: str = "reviewer", *, login: bool = True, ip: str = "192.0.2.10", totp: bool = True
    ) -> StaffBrowser:
        nonlocal counter
        counter += 1
        email = f"{role}{counter}@bank.example"
        secret = mfa.new_totp_secret() if totp else None
        async with transaction(services.sessions) as session:
            user = await create_staff(
                session, email, PASSWORD, StaffRole(role), services.clock.now()
            )
            codes = None
            if secret:
                mfa.store_totp(user, services.staff_totp_sealer, secret)
                codes = await mfa.new_recovery_codes(session, user, services.clock.now())
        transport = httpx.ASGITransport(app=app, client=(ip, 40000 + counter))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        browser = StaffBrowser(
            email, role, http, clock=services.clock, totp_secret=secret, recovery_codes=codes
        )
        if login:
            response = await browser.login()
            assert response.status_code == 303, response.text
        return browser

    yield factory
    for http in clients:
        await http.aclose()


@pytest.fixture
async def reviewer(make_staff: StaffFactory) -> StaffBrowser:
    return await make_staff("reviewer")


@pytest.fixture
async def admin(make_staff: StaffFactory) -> StaffBrowser:
    return await make_staff("admin")


async def submit_individual(
    partner: PartnerHandle, *, expect: str = "onboarding_data_provided", **overrides: object
) -> dict:  # type: ignore[type-arg]
    """An individual that went through the (simulated) onboarding: onboarding_data_provided."""
    individual = await create_individual(partner, **overrides)
    onboard = await partner.http.post(
        f"/v3/individuals/{individual['id']}/onboard",
        json={"return_url": "https://partner.example/done"},
    )
    assert onboard.status_code in (200, 201), onboard.text
    kyc = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert kyc.status_code == 200, kyc.text
    assert kyc.json()["status"] == expect
    return kyc.json()  # type: ignore[no-any-return]


@pytest.fixture
async def submitted(partner: PartnerHandle) -> dict:  # type: ignore[type-arg]
    return await submit_individual(partner)
