"""Staff login: progressive delays per email and per address instead of a lock, and alerts in
the audit log. An attacker can slow an account down but never shut its owner out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.kit.ratelimit import ProgressiveDelay
from gangway.models import AuditEntry
from gangway.services import Services
from tests.review.conftest import StaffFactory, csrf_of


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_of_delays(services: Services) -> FakeMonotonic:
    """The app's two delay trackers, as configured, on a clock the test moves."""
    fake = FakeMonotonic()
    settings = services.settings
    services.staff_login_throttle = ProgressiveDelay(
        settings.staff_login_free_failures_per_email,
        settings.staff_login_max_delay_seconds,
        monotonic=fake,
    )
    services.staff_login_address_throttle = ProgressiveDelay(
        settings.staff_login_free_failures_per_address,
        settings.staff_login_max_delay_seconds,
        monotonic=fake,
    )
    return fake


@pytest.fixture
async def client_at(app: Any) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def make(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(ip, 41000 + len(clients)))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield make
    for http in clients:
        await http.aclose()


async def attempt(http: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await http.get("/admin/login")
    return await http.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(form.text)},
    )


async def audit(services: Services, action: str) -> list[AuditEntry]:
    async with transaction(services.read_sessions) as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows)


async def test_the_sixth_failure_in_a_row_has_to_wait_a_second(
    make_staff: StaffFactory, client_at: Any
) -> None:
    # The app's own configuration (real clock): five free failures, then 1 s.
    target = await make_staff("reviewer", login=False)
    for n in range(5):
        response = await attempt(client_at(f"198.18.2.{n + 1}"), target.email, "guess")
        assert response.status_code == 401
    waited = await target.login()
    assert waited.status_code == 429
    assert waited.headers["retry-after"] == "1"
    assert "wait 1 seconds" in waited.text or "wait 1 second" in waited.text


async def test_guessing_only_slows_the_account_and_the_owner_gets_in_after_the_delay(
    make_staff: StaffFactory, client_at: Any, services: Services, clock_of_delays: FakeMonotonic
) -> None:
    target = await make_staff("reviewer", login=False)
    delays: ProgressiveDelay = services.staff_login_throttle
    for n in range(40):  # a patient attacker from many addresses, waiting out every delay
        response = await attempt(client_at(f"198.18.3.{n + 1}"), target.email, "guess")
        assert response.status_code == 401, n
        clock_of_delays.now += delays.delay_for(n + 1)
    clock_of_delays.now -= 1  # the owner comes just before the last delay ends
    blocked = await target.login()
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "1"
    assert delays.delay_for(40) == 900  # capped at 15 minutes
    clock_of_delays.now += 1
    assert (await target.login()).status_code == 303  # the right password after the delay
    # The success reset the email: a typo now is a plain failure, not a wait.
    await target.post("/admin/logout")
    assert (await target.login("typo")).status_code == 401


async def test_an_address_with_many_failures_waits_but_others_do_not(
    make_staff: StaffFactory, client_at: Any, services: Services, clock_of_delays: FakeMonotonic
) -> None:
    free = services.settings.staff_login_free_failures_per_address
    attacker = client_at("198.18.4.1")
    for n in range(free):  # distinct emails: only the address counter grows
        assert (await attempt(attacker, f"guess{n}@bank.example", "x")).status_code == 401
    refused = await attempt(attacker, "another@bank.example", "x")
    assert refused.status_code == 429
    colleague = await make_staff("reviewer", login=False, ip="198.18.4.2")
    assert (await colleague.login()).status_code == 303
    clock_of_delays.now += int(refused.headers["retry-after"])
    assert (await attempt(attacker, "another@bank.example", "x")).status_code == 401


async def test_an_email_passing_10_failures_in_an_hour_raises_an_alert(
    make_staff: StaffFactory, client_at: Any, services: Services, clock_of_delays: FakeMonotonic
) -> None:
    target = await make_staff("reviewer", login=False)
    delays: ProgressiveDelay = services.staff_login_throttle
    for n in range(12):
        assert (await attempt(client_at(f"198.18.5.{n + 1}"), target.email, "g")).status_code == 401
        clock_of_delays.now += delays.delay_for(n + 1)
    assert clock_of_delays.now - 5000.0 < 3600
    alerts = await audit(services, "staff.login_alert")
    assert len(alerts) == 1
    assert alerts[0].actor_id == target.email
    assert alerts[0].detail == {"by": "email", "failures_last_hour": 10}


async def test_an_address_passing_20_failures_in_an_hour_raises_an_alert(
    client_at: Any, services: Services, clock_of_delays: FakeMonotonic
) -> None:
    attacker = client_at("198.18.6.1")
    delays: ProgressiveDelay = services.staff_login_address_throttle
    for n in range(21):
        assert (await attempt(attacker, f"g{n}@bank.example", "g")).status_code == 401
        clock_of_delays.now += delays.delay_for(n + 1)
    assert clock_of_delays.now - 5000.0 < 3600
    alerts = await audit(services, "staff.login_alert")
    assert len(alerts) == 1
    assert alerts[0].client_ip == "198.18.6.1"
    assert alerts[0].detail == {"by": "address", "failures_last_hour": 20}
