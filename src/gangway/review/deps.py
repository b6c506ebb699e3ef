"""``StaffDep`` / ``AdminDep``: the back office's session check (and CSRF check on every POST)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gangway.db.session import transaction
from gangway.errors import Forbidden, Unauthorized
from gangway.review.staff import StaffContext, resolve_session
from gangway.web.csrf import FIELD_NAME, CsrfProtector, protector_for
from gangway.web.deps import READ_METHODS, RuntimeDep
from gangway.web.runtime import Runtime

COOKIE_NAME = "gangway_staff"
# Binds the login form's CSRF token before there is a session.
LOGIN_COOKIE_NAME = "gangway_staff_login"


def csrf_protector(runtime: Runtime) -> CsrfProtector:
    return protector_for(runtime.extras, runtime.secret_key, "admin")


async def verify_form_csrf(request: Request, runtime: Runtime, session_key: str) -> None:
    form = await request.form()
    presented = form.get(FIELD_NAME)
    csrf_protector(runtime).verify(session_key, presented if isinstance(presented, str) else None)


async def current_staff(request: Request, runtime: RuntimeDep) -> StaffContext:
    """The logged-in staff member; 401 (→ the login page) without a live session. Every
    state-changing request must carry the session's CSRF token (403 otherwise)."""
    key = request.cookies.get(COOKIE_NAME, "")
    if not key:
        raise Unauthorized("Log in to continue.")
    # Its own short transaction: the idle-timeout bookkeeping commits even if the page fails.
    async with transaction(runtime.sessions) as session:
        staff = await resolve_session(session, key, runtime.clock.now())
    if staff is None:
        raise Unauthorized("Your session has ended; log in again.")
    if request.method not in READ_METHODS:
        await verify_form_csrf(request, runtime, key)
    request.state.staff = staff
    return staff


StaffDep = Annotated[StaffContext, Depends(current_staff)]


async def current_admin(staff: StaffDep) -> StaffContext:
    if not staff.is_admin:
        raise Forbidden("This page is for administrators only.")
    return staff


AdminDep = Annotated[StaffContext, Depends(current_admin)]
