"""Back-office fixtures: staff accounts, logged-in staff browsers (httpx), submitted individuals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from gangway.db.session import transaction
from gangway.models import StaffRole
from gangway.review.staff import create_staff
from tests.conftest import PartnerHandle, create_individual

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class StaffBrowser:
    email: str
    role: str
    http: httpx.AsyncClient
    csrf_token: str = ""

    async def login(self, password: str = PASSWORD) -> httpx.Response:
        form = await self.http.get("/admin/login")
        assert form.status_code == 200
        response = await self.http.post(
            "/admin/login",
            data={"email": self.email, "password": password, "csrf_token": csrf_of(form.text)},
        )
        if response.status_code == 303:
            page = await self.http.get("/admin")
            self.csrf_token = csrf_of(page.text)
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
    """``await make_staff(role, login=True)``: an account and its own cookie jar."""
    services = app.state.services
    clients: list[httpx.AsyncClient] = []
    counter = 0

    async def factory(
        role: str = "reviewer", *, login: bool = True, ip: str = "192.0.2.10"
    ) -> StaffBrowser:
        nonlocal counter
        counter += 1
        email = f"{role}{counter}@bank.example"
        async with transaction(services.sessions) as session:
            await create_staff(session, email, PASSWORD, StaffRole(role), services.clock.now())
        transport = httpx.ASGITransport(app=app, client=(ip, 40000 + counter))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        browser = StaffBrowser(email, role, http)
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
