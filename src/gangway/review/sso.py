"""Single sign-on for staff with the bank's OpenID Connect provider (optional).

``POST /admin/sso/start`` (the login page's button, its CSRF token) sends the browser to the
provider with PKCE (S256), state and nonce, which travel in a sealed, short-lived cookie.
``GET /admin/sso/callback`` is public — the provider's redirect: it checks the state, exchanges
the code with the verifier, verifies the ID token against the provider's JWKS and maps the claims:

- the account is found by the ``email`` claim, created on the first SSO login, its role taken
  from the role claim (``GANGWAY_STAFF_OIDC_ROLE_CLAIM``, ``reviewer`` or ``admin``; anything else
  is refused) and updated when the provider changes it (the person's other sessions end);
- a disabled account stays refused;
- the session counts as MFA-verified only when the provider says a second factor was used
  (``amr`` contains ``mfa``, ``otp`` or ``hwk``); otherwise the local second factor applies
  exactly as after a password (``GANGWAY_STAFF_MFA``).

The callback answers with a small page that moves on to the back office: the session cookie is
``SameSite=Strict``, which a browser does not send on the rest of a redirect chain that started
on the provider's site.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.errors import Forbidden, NotFound
from gangway.kit.oidc import OidcClient, OidcError
from gangway.models import ActorType, StaffRole, StaffUser
from gangway.review import mfa
from gangway.review import staff as staff_service
from gangway.review.deps import COOKIE_NAME, LOGIN_COOKIE_NAME, ServicesDep, verify_form_csrf
from gangway.review.web import cookie_flags, page, render_error, safe_next
from gangway.services import Services
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip

router = APIRouter(prefix="/admin/sso", include_in_schema=False)
log = logging.getLogger("gangway.staff_sso")
STATE_COOKIE = "gangway_staff_sso"
STATE_TTL_SECONDS = 600
# ``amr`` values (RFC 8176) that mean the provider checked a second factor.
MFA_AMR = frozenset({"mfa", "otp", "hwk"})


def _client(services: Services) -> OidcClient:
    if services.staff_oidc is None:
        raise NotFound("Single sign-on is not configured.")
    return services.staff_oidc


@router.post("/start")
async def start(
    request: Request,
    services: ServicesDep,
    next: Annotated[str, Form(max_length=500)] = "/admin",
) -> Response:
    """Send the browser to the identity provider (the login form's CSRF token)."""
    client = _client(services)
    pre_key = request.cookies.get(LOGIN_COOKIE_NAME, "")
    if not pre_key:
        raise Forbidden("The login form expired. Reload the page and try again.")
    await verify_form_csrf(request, services, "login:" + pre_key)
    try:
        authorization = await client.authorization_request()
    except OidcError as error:
        raise Forbidden(str(error)) from None
    sealed = services.staff_sso_sealer.seal_text(
        json.dumps(
            {
                "state": authorization.state,
                "nonce": authorization.nonce,
                "verifier": authorization.code_verifier,
                "next": safe_next(next),
                "at": services.clock.now().timestamp(),
            }
        ),
        b"staff-sso-state",
    )
    response = RedirectResponse(authorization.url, status_code=303)
    # Lax, not Strict: it must come back with the provider's top-level redirect.
    flags = {**cookie_flags(request), "samesite": "lax"}
    response.set_cookie(STATE_COOKIE, sealed, max_age=STATE_TTL_SECONDS, **flags)  # type: ignore[arg-type]
    return response


def _read_state(request: Request, services: Services) -> dict[str, Any] | None:
    sealed = request.cookies.get(STATE_COOKIE, "")
    if not sealed or len(sealed) > 4000:
        return None
    try:
        state = json.loads(services.staff_sso_sealer.open_text(sealed, b"staff-sso-state"))
    except Exception:
        return None
    if services.clock.now().timestamp() - float(state.get("at", 0)) > STATE_TTL_SECONDS:
        return None
    return state if isinstance(state, dict) else None


async def _refuse(
    request: Request,
    session: AsyncSession,
    services: Services,
    reason: str,
    message: str,
    email: str | None = None,
) -> Response:
    """Audited and rendered (not raised), so that the audit entry is committed."""
    await audit.record(
        session,
        action="staff.sso_refused",
        now=services.clock.now(),
        actor_type=ActorType.staff,
        actor_id=email,
        client_ip=client_ip(request.scope),
        detail={"reason": reason},
    )
    response = render_error(request, Forbidden(message))
    response.delete_cookie(STATE_COOKIE, path="/admin")
    return response


@router.get("/callback")
async def callback(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=500)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The provider's redirect (public: the state cookie and the ID token are the credentials)."""
    client = _client(services)
    saved = _read_state(request, services)
    if saved is None:
        return await _refuse(
            request, session, services, "no_state", "The sign-in expired. Start again."
        )
    if error or not code:
        return await _refuse(
            request, session, services, "provider_error", "The identity provider refused."
        )
    try:
        claims = await client.complete(
            code=code,
            state=state,
            expected_state=str(saved["state"]),
            nonce=str(saved["nonce"]),
            code_verifier=str(saved["verifier"]),
        )
    except OidcError as failure:
        log.info("staff sso refused", extra={"reason": str(failure)})
        return await _refuse(request, session, services, "invalid_answer", str(failure))
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        return await _refuse(
            request, session, services, "no_email", "The identity provider sent no verified email."
        )
    try:
        email = staff_service.normalize_email(email)
    except ValueError:
        return await _refuse(request, session, services, "no_email", "The email is not valid.")
    role_value = claims.get(services.settings.staff_oidc_role_claim)
    if role_value not in StaffRole.__members__:
        return await _refuse(
            request,
            session,
            services,
            "no_role",
            "Your identity provider account has no back-office role.",
            email,
        )
    role = StaffRole(str(role_value))
    now = services.clock.now()
    address = client_ip(request.scope)
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
    if user is None:
        user = StaffUser(email=email, password_hash=None, role=role, created_at=now)
        session.add(user)
        await session.flush()
        await _audit(session, services, user, address, "staff.created", role=role, via="sso")
    elif user.disabled_at is not None:
        return await _refuse(
            request, session, services, "disabled", "This account is disabled.", email
        )
    elif user.role is not role:
        before = user.role
        user.role = role
        await staff_service.end_all_sessions(session, user.id, now)
        await _audit(
            session,
            services,
            user,
            address,
            "staff.role_changed",
            before=before,
            after=role,
            via="sso",
        )
    amr = claims.get("amr")
    idp_mfa = isinstance(amr, list) and bool(MFA_AMR.intersection(map(str, amr)))
    factors = await mfa.factors_of(session, user)
    verified = idp_mfa or (not factors.any and services.settings.staff_mfa == "optional")
    key = await staff_service.open_session(
        session, user, now, address, mfa_verified=verified, method="sso"
    )
    second_factor = (
        "identity_provider"
        if idp_mfa
        else ("not_required" if verified else ("due" if factors.any else "enrolment"))
    )
    await _audit(
        session, services, user, address, "staff.login", method="sso", second_factor=second_factor
    )
    target = mfa.next_stop(factors, verified, str(saved.get("next") or "/admin"))
    response = page(request, "sso_done.html", {"target": target})
    response.set_cookie(COOKIE_NAME, key, **cookie_flags(request))  # type: ignore[arg-type]
    response.delete_cookie(STATE_COOKIE, path="/admin")
    response.delete_cookie(LOGIN_COOKIE_NAME, path="/admin")
    return response


async def _audit(
    session: AsyncSession,
    services: Services,
    user: StaffUser,
    address: str | None,
    action: str,
    **detail: Any,
) -> None:
    await audit.record(
        session,
        action=action,
        now=services.clock.now(),
        actor_type=ActorType.staff,
        actor_id=user.id,
        subject_id=user.id,
        client_ip=address,
        detail={"email": user.email, **detail},
    )
