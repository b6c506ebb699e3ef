"""Staff accounts for administrators: the list, disable/enable, role, password reset and second
factor reset. Every change is audited (actor, subject, what changed — never a password) and every
change that takes rights or credentials away ends the person's sessions at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gangway.audit import service as audit
from gangway.errors import ValidationFailed
from gangway.kit.catalogues import N_
from gangway.models import ActorType, StaffRole, StaffUser
from gangway.review import mfa
from gangway.review import staff as staff_service
from gangway.review.deps import AdminDep, ServicesDep
from gangway.review.staff import StaffContext
from gangway.review.web import _, page
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip

router = APIRouter(prefix="/admin/staff", include_in_schema=False)

DONE_MESSAGES = {
    "disabled": N_("The account is disabled and its sessions have ended."),
    "enabled": N_("The account is enabled again."),
    "role": N_("The role is changed and the person's sessions have ended."),
    "password": N_("The password is reset and the person's sessions have ended."),
    "factors": N_("The second factors are removed; the person enrols again at the next login."),
    "unchanged": N_("Nothing changed."),
}


@router.get("")
async def staff_list(
    request: Request,
    staff: AdminDep,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Every staff account with its state, second factors and the administrator's actions."""
    accounts = await staff_service.list_staff(session)
    return page(
        request,
        "staff.html",
        {
            "accounts": accounts,
            "factors": await mfa.factor_summary(session, [a.id for a in accounts]),
            "roles": [r.value for r in StaffRole],
            "done": _(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
        },
        staff=staff,
    )


async def _audit(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    actor: StaffContext,
    subject: StaffUser,
    action: str,
    **detail: Any,
) -> None:
    await audit.record(
        session,
        action=action,
        now=services.clock.now(),
        actor_type=ActorType.staff,
        actor_id=actor.staff_id,
        subject_id=subject.id,
        client_ip=client_ip(request.scope),
        detail={"email": subject.email, "via": "back_office", **detail},
    )


def _done(what: str) -> Response:
    return RedirectResponse(f"/admin/staff?done={what}", status_code=303)


@router.post("/{staff_id}/disable")
async def disable(
    request: Request, staff_id: str, staff: AdminDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Disable the account and end its sessions (never the last active administrator)."""
    user = await staff_service.get_staff(session, staff_id)
    if not await staff_service.disable_staff(session, user, services.clock.now()):
        return _done("unchanged")
    await _audit(request, session, services, staff, user, "staff.disabled")
    return _done("disabled")


@router.post("/{staff_id}/enable")
async def enable(
    request: Request, staff_id: str, staff: AdminDep, services: ServicesDep, session: SessionDep
) -> Response:
    user = await staff_service.get_staff(session, staff_id)
    if not await staff_service.enable_staff(session, user):
        return _done("unchanged")
    await _audit(request, session, services, staff, user, "staff.enabled")
    return _done("enabled")


@router.post("/{staff_id}/role")
async def set_role(
    request: Request,
    staff_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
    role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Change the role; the person's sessions end (never demoting the last active admin)."""
    if role not in StaffRole.__members__:
        raise ValidationFailed("Choose reviewer or admin.")
    user = await staff_service.get_staff(session, staff_id)
    before = user.role
    if not await staff_service.set_role(session, user, StaffRole(role), services.clock.now()):
        return _done("unchanged")
    await _audit(
        request, session, services, staff, user, "staff.role_changed", before=before, after=role
    )
    return _done("role")


@router.post("/{staff_id}/password")
async def reset_password(
    request: Request,
    staff_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Set a new password (told to the person out of band); their sessions end."""
    user = await staff_service.get_staff(session, staff_id)
    await staff_service.reset_password(session, user, password, services.clock.now())
    await _audit(request, session, services, staff, user, "staff.password_reset")
    return _done("password")


@router.post("/{staff_id}/factors/reset")
async def reset_factors(
    request: Request, staff_id: str, staff: AdminDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Remove the person's TOTP, passkeys and recovery codes (lost device); their sessions end
    and they enrol again at the next login."""
    user = await staff_service.get_staff(session, staff_id)
    removed = await mfa.reset_factors(session, user, services.clock.now())
    await _audit(request, session, services, staff, user, "staff.mfa_reset", removed=removed)
    return _done("factors")
