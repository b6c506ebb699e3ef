"""``StaffDep`` / ``AdminDep``: the back office's session check (and CSRF check on every POST)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from gangway.db.session import transaction
from gangway.errors import Forbidden, Unauthorized
from gangway.review.staff import SecondFactorDue, StaffContext, resolve_session, touch_session
from gangway.services import Services
from gangway.web.csrf import FIELD_NAME
from gangway.web.deps import READ_METHODS, SessionDep

COOKIE_NAME = "gangway_staff"
# Binds the login form's CSRF token before there is a session.
LOGIN_COOKIE_NAME = "gangway_staff_login"
CSRF_HEADER = "x-csrf-token"


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def verify_form_csrf(request: Request, services: Services, session_key: str) -> None:
    """The token of a form field, or of the ``X-CSRF-Token`` header (the passkey JSON calls)."""
    presented: object = request.headers.get(CSRF_HEADER)
    if presented is None and not request.headers.get("content-type", "").startswith(
        "application/json"
    ):
        presented = (await request.form()).get(FIELD_NAME)
    services.admin_csrf.verify(session_key, presented if isinstance(presented, str) else None)


async def current_staff_any_factor(
    request: Request, services: ServicesDep, session: SessionDep, background: BackgroundTasks
) -> StaffContext:
    """The staff member of a live session, whether or not the second factor is done yet (only
    the MFA pages use this directly); 401 (→ the login page) without a live session. Every
    state-changing request must carry the session's CSRF token (403 otherwise).

    It reads in the request's own unit of work (``SessionDep``) and opens no transaction: the
    idle-timeout bookkeeping is written after the response, in a transaction of its own.
    """
    key = request.cookies.get(COOKIE_NAME, "")
    if not key:
        raise Unauthorized("Log in to continue.")
    now = services.clock.now()
    max_lifetime = timedelta(hours=services.settings.staff_session_max_hours)
    resolved = await resolve_session(session, key, now, max_lifetime)
    if resolved is None:
        raise Unauthorized("Your session has ended; log in again.")
    staff, needs_touch = resolved
    if needs_touch:
        background.add_task(_touch, services, staff.session_id)
    if request.method not in READ_METHODS:
        await verify_form_csrf(request, services, key)
    request.state.staff = staff
    return staff


async def _touch(services: Services, session_id: object) -> None:
    async with transaction(services.sessions) as session:
        await touch_session(session, session_id, services.clock.now())


PendingStaffDep = Annotated[StaffContext, Depends(current_staff_any_factor)]


async def current_staff(staff: PendingStaffDep) -> StaffContext:
    """The fully authenticated staff member: a session still owing its second factor is sent to
    the MFA pages (``SecondFactorDue``)."""
    if not staff.mfa_verified:
        raise SecondFactorDue()
    return staff


StaffDep = Annotated[StaffContext, Depends(current_staff)]


async def current_admin(staff: StaffDep) -> StaffContext:
    if not staff.is_admin:
        raise Forbidden("This page is for administrators only.")
    return staff


AdminDep = Annotated[StaffContext, Depends(current_admin)]
