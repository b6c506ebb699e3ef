"""The second-factor pages: the "second factor" step after the password, TOTP enrolment (QR code
and setup key) and recovery codes.

They take ``PendingStaffDep``: a session that passed the password step but not yet the second
factor reaches these pages and nothing else. A half-authenticated session of an account that has
a factor cannot enrol another one (that would skip the factor it has).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.errors import RateLimited
from gangway.kit.ids import random_token, sha256_hex
from gangway.models import ActorType
from gangway.review import mfa
from gangway.review import staff as staff_service
from gangway.review.deps import COOKIE_NAME, PendingStaffDep, ServicesDep, StaffDep
from gangway.review.staff import StaffContext
from gangway.review.web import _, cookie_flags, page, safe_next
from gangway.services import Services
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip

router = APIRouter(prefix="/admin/mfa", include_in_schema=False)


async def audit_staff(
    request: Request,
    session: AsyncSession,
    services: Services,
    staff: StaffContext,
    action: str,
    **detail: Any,
) -> None:
    await audit.record(
        session,
        action=action,
        now=services.clock.now(),
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=staff.staff_id,
        client_ip=client_ip(request.scope),
        detail=detail or None,
    )


async def complete_login(
    request: Request,
    session: AsyncSession,
    services: Services,
    staff: StaffContext,
    response: Response,
) -> Response:
    """Mark the session fully authenticated under a fresh cookie value (set on ``response``)."""
    key = random_token(32)
    await mfa.complete_second_factor(
        session, staff.session_id, services.clock.now(), sha256_hex(key)
    )
    response.set_cookie(COOKIE_NAME, key, **cookie_flags(request))  # type: ignore[arg-type]
    return response


def _second_factor_page(
    request: Request,
    staff: StaffContext,
    factors: mfa.Factors,
    next: str | None,
    *,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        "mfa.html",
        {"factors": factors, "next": safe_next(next), "error": error},
        staff=staff,
        status_code=status_code,
        headers=headers,
    )


@router.get("")
async def second_factor(
    request: Request,
    staff: PendingStaffDep,
    session: SessionDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The second step of the login: a code from the authenticator app, a recovery code or a
    passkey."""
    if staff.mfa_verified:
        return RedirectResponse(safe_next(next), status_code=303)
    user = await staff_service.get_staff(session, staff.staff_id, lock=False)
    factors = await mfa.factors_of(session, user)
    if not factors.any:
        return RedirectResponse(mfa.next_stop(factors, False, next), status_code=303)
    return _second_factor_page(request, staff, factors, next)


@router.post("")
async def verify_second_factor(
    request: Request,
    staff: PendingStaffDep,
    services: ServicesDep,
    session: SessionDep,
    code: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/admin",
) -> Response:
    """Check a TOTP code (each good once) or a recovery code (single use). Failures are
    throttled per account and audited; refusals are rendered, not raised, so that the audit
    entry is committed."""
    if staff.mfa_verified:
        return RedirectResponse(safe_next(next), status_code=303)
    user = await staff_service.get_staff(session, staff.staff_id)
    factors = await mfa.factors_of(session, user)
    throttle = services.staff_mfa_throttle
    key = f"mfa:{staff.staff_id}"
    wait = await throttle.retry_after(key)
    if wait:
        await audit_staff(request, session, services, staff, "staff.mfa_throttled")
        return _second_factor_page(
            request,
            staff,
            factors,
            next,
            error=RateLimited.default_message
            + " "
            + _("Too many wrong codes: wait a few minutes."),
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    now = services.clock.now()
    method = None
    if await mfa.verify_totp(session, user, services.staff_totp_sealer, code, now):
        method = "totp"
    elif await mfa.use_recovery_code(session, user, code, now):
        method = "recovery_code"
    if method is None:
        await throttle.fail(key)
        await audit_staff(request, session, services, staff, "staff.mfa_failed")
        return _second_factor_page(
            request,
            staff,
            factors,
            next,
            error=_("The code is not correct (or was already used)."),
            status_code=401,
        )
    await throttle.reset(key)
    await audit_staff(request, session, services, staff, "staff.mfa_verified", method=method)
    return await complete_login(
        request, session, services, staff, RedirectResponse(safe_next(next), status_code=303)
    )


async def _may_enrol(session: AsyncSession, staff: StaffContext) -> mfa.Factors | None:
    """The account's factors if this session may enrol one (fully authenticated, or an account
    without any factor yet), else ``None``."""
    user = await staff_service.get_staff(session, staff.staff_id, lock=False)
    factors = await mfa.factors_of(session, user)
    if not staff.mfa_verified and factors.any:
        return None
    return factors


def _setup_page(
    request: Request,
    services: Services,
    staff: StaffContext,
    factors: mfa.Factors,
    secret: str,
    next: str | None,
    *,
    error: str | None = None,
    status_code: int = 200,
    added: bool = False,
) -> Response:
    return page(
        request,
        "mfa_setup.html",
        {
            "added": added,
            "factors": factors,
            "next": safe_next(next),
            "error": error,
            "qr": mfa.qr_data_uri(mfa.provisioning_uri(secret, staff.email)),
            "setup_key": mfa.format_setup_key(secret),
            "pending": mfa.seal_pending_secret(
                services.staff_totp_sealer, secret, staff.session_id
            ),
            "required": services.settings.staff_mfa == "required",
        },
        staff=staff,
        status_code=status_code,
    )


@router.get("/setup")
async def setup(
    request: Request,
    staff: PendingStaffDep,
    services: ServicesDep,
    session: SessionDep,
    next: Annotated[str | None, Query(max_length=500)] = None,
    added: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Enrol a second factor: the authenticator app (QR code and setup key) or a passkey."""
    factors = await _may_enrol(session, staff)
    if factors is None:
        return RedirectResponse("/admin/mfa", status_code=303)
    return _setup_page(
        request, services, staff, factors, mfa.new_totp_secret(), next, added=added == "passkey"
    )


@router.post("/setup")
async def confirm_setup(
    request: Request,
    staff: PendingStaffDep,
    services: ServicesDep,
    session: SessionDep,
    pending: Annotated[str, Form(max_length=500)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/admin",
) -> Response:
    """Keep the new TOTP secret once a code from the app matches it; the session is then fully
    authenticated and the recovery codes are shown (once)."""
    factors = await _may_enrol(session, staff)
    if factors is None:
        return RedirectResponse("/admin/mfa", status_code=303)
    sealer = services.staff_totp_sealer
    secret = mfa.open_pending_secret(sealer, pending, staff.session_id) or mfa.new_totp_secret()
    user = await staff_service.get_staff(session, staff.staff_id)
    now = services.clock.now()
    if not await mfa.confirm_totp_enrolment(session, user, sealer, secret, code, now):
        return _setup_page(
            request,
            services,
            staff,
            factors,
            secret,
            next,
            error=_("The code does not match: check the app's clock and enter the current code."),
            status_code=400,
        )
    await audit_staff(request, session, services, staff, "staff.mfa_enrolled", factor="totp")
    codes = None
    if not factors.recovery_codes_left:
        codes = await mfa.new_recovery_codes(session, user, now)
        await audit_staff(request, session, services, staff, "staff.recovery_codes_generated")
    response = page(
        request,
        "recovery_codes.html",
        {"codes": codes, "next": safe_next(next), "enrolled": "authenticator app"},
        # A login completing here gets a new cookie value: no form bound to the old one.
        staff=staff if staff.mfa_verified else None,
    )
    if staff.mfa_verified:
        return response
    return await complete_login(request, session, services, staff, response)


@router.post("/recovery-codes")
async def regenerate_recovery_codes(
    request: Request, staff: StaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Ten new recovery codes, shown once; the old ones stop working."""
    user = await staff_service.get_staff(session, staff.staff_id)
    codes = await mfa.new_recovery_codes(session, user, services.clock.now())
    await audit_staff(request, session, services, staff, "staff.recovery_codes_generated")
    return page(
        request,
        "recovery_codes.html",
        {"codes": codes, "next": "/admin", "enrolled": None},
        staff=staff,
    )
