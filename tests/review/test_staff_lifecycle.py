"""Staff accounts' lifecycle in the back office: disable, enable, role, password reset; sessions
end at once, the absolute session lifetime, the last-admin rule, the audit trail."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.models import AuditEntry, StaffSession, StaffUser
from gangway.services import Services
from tests.review.conftest import PASSWORD, StaffBrowser, StaffFactory, csrf_of

NEW_PASSWORD = "a brand new long passphrase"


async def staff_id(services: Services, email: str) -> uuid.UUID:
    async with transaction(services.read_sessions) as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    assert found is not None
    return found


async def entries(services: Services, action: str) -> list[AuditEntry]:
    async with transaction(services.read_sessions) as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def live_sessions(services: Services, who: uuid.UUID) -> int:
    async with transaction(services.read_sessions) as session:
        rows = await session.scalars(
            select(StaffSession).where(
                StaffSession.staff_id == who, StaffSession.ended_at.is_(None)
            )
        )
        return len(list(rows))


async def test_disabling_ends_every_session_at_once_and_enabling_lets_the_person_back(
    admin: StaffBrowser, make_staff: StaffFactory, services: Services
) -> None:
    reviewer = await make_staff("reviewer")
    # A second browser of the same person.
    other = StaffBrowser(
        reviewer.email, "reviewer", await _new_client(make_staff), clock=services.clock
    )
    other.totp_secret, other.recovery_codes = reviewer.totp_secret, reviewer.recovery_codes
    other.steps_used = reviewer.steps_used
    assert (await other.login()).status_code == 303
    reviewer.steps_used = other.steps_used
    subject = await staff_id(services, reviewer.email)
    assert await live_sessions(services, subject) == 2

    response = await admin.post(f"/admin/staff/{subject}/disable")
    assert response.status_code == 303
    page = await admin.http.get(response.headers["location"])
    assert "sessions have ended" in page.text
    assert await live_sessions(services, subject) == 0
    for browser in (reviewer, other):
        assert (await browser.http.get("/admin")).status_code == 303
    assert (await reviewer.password_step()).status_code == 401

    [entry] = await entries(services, "staff.disabled")
    assert entry.actor_id == str(await staff_id(services, admin.email))
    assert entry.subject_id == str(subject)
    assert entry.detail and entry.detail["email"] == reviewer.email

    assert (await admin.post(f"/admin/staff/{subject}/enable")).status_code == 303
    assert (await reviewer.login()).status_code == 303
    assert len(await entries(services, "staff.enabled")) == 1


async def _new_client(make_staff: StaffFactory):  # type: ignore[no-untyped-def]
    """A fresh cookie jar (borrowed from a throwaway account's browser)."""
    return (await make_staff("reviewer", login=False)).http


async def test_role_change_ends_the_sessions_and_records_before_and_after(
    admin: StaffBrowser, reviewer: StaffBrowser, services: Services
) -> None:
    subject = await staff_id(services, reviewer.email)
    response = await admin.post(f"/admin/staff/{subject}/role", role="admin")
    assert response.status_code == 303
    assert (await reviewer.http.get("/admin")).status_code == 303
    assert (await reviewer.login()).status_code == 303
    assert (await reviewer.http.get("/admin/partners")).status_code == 200
    [entry] = await entries(services, "staff.role_changed")
    assert entry.detail and (entry.detail["before"], entry.detail["after"]) == ("reviewer", "admin")
    # An unknown role is refused; the same role changes nothing.
    assert (await admin.post(f"/admin/staff/{subject}/role", role="boss")).status_code == 400
    same = await admin.post(f"/admin/staff/{subject}/role", role="admin")
    assert same.headers["location"].endswith("done=unchanged")


async def test_password_reset_ends_the_sessions_and_never_reaches_the_audit_log(
    admin: StaffBrowser, reviewer: StaffBrowser, services: Services
) -> None:
    subject = await staff_id(services, reviewer.email)
    short = await admin.post(f"/admin/staff/{subject}/password", password="short")
    assert short.status_code == 400
    response = await admin.post(f"/admin/staff/{subject}/password", password=NEW_PASSWORD)
    assert response.status_code == 303
    assert (await reviewer.http.get("/admin")).status_code == 303
    assert (await reviewer.password_step(PASSWORD)).status_code == 401
    assert (await reviewer.login(NEW_PASSWORD)).status_code == 303
    [entry] = await entries(services, "staff.password_reset")
    assert NEW_PASSWORD not in str(entry.detail) and PASSWORD not in str(entry.detail)


async def test_the_last_active_admin_can_neither_disable_nor_demote_themselves(
    admin: StaffBrowser, make_staff: StaffFactory, services: Services
) -> None:
    me = await staff_id(services, admin.email)
    for path, fields in (
        (f"/admin/staff/{me}/disable", {}),
        (f"/admin/staff/{me}/role", {"role": "reviewer"}),
    ):
        response = await admin.post(path, **fields)
        assert response.status_code == 409
        assert "last active administrator" in response.text
    assert (await admin.http.get("/admin/staff")).status_code == 200
    # A disabled second admin does not count.
    second = await make_staff("admin")
    assert (
        await admin.post(f"/admin/staff/{await staff_id(services, second.email)}/disable")
    ).status_code == 303
    assert (await admin.post(f"/admin/staff/{me}/role", role="reviewer")).status_code == 409
    # With another active admin, demoting oneself works (and ends one's own session).
    third = await make_staff("admin")
    assert (await admin.post(f"/admin/staff/{me}/role", role="reviewer")).status_code == 303
    assert (await admin.http.get("/admin")).status_code == 303
    assert (await third.http.get("/admin/staff")).status_code == 200


async def test_staff_actions_need_an_admin_and_the_csrf_token(
    admin: StaffBrowser, reviewer: StaffBrowser, services: Services
) -> None:
    subject = await staff_id(services, admin.email)
    assert (await reviewer.post(f"/admin/staff/{subject}/disable")).status_code == 403
    target = await staff_id(services, reviewer.email)
    forged = await admin.http.post(f"/admin/staff/{target}/disable", data={})
    assert forged.status_code == 403
    page = await admin.http.get("/admin/staff")
    # Every form on the page carries the token.
    assert page.text.count("<form") == page.text.count('name="csrf_token"')
    assert csrf_of(page.text) == admin.csrf_token
    assert (await admin.post("/admin/staff/not-a-uuid/disable")).status_code == 404


async def test_sessions_end_after_the_absolute_lifetime_even_when_active(
    reviewer: StaffBrowser, clock: FrozenClock, services: Services
) -> None:
    assert services.settings.staff_session_max_hours == 12
    for _ in range(28):  # 11 h 40 min of activity, never idle
        clock.advance(minutes=25)
        assert (await reviewer.http.get("/admin")).status_code == 200
    clock.advance(minutes=20)  # 12 h since the login
    response = await reviewer.http.get("/admin/queue")
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
