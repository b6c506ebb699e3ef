"""Staff passkeys (WebAuthn) as a second factor: enrolment on the setup page and the second
factor at login, four JSON calls from ``static/staff-passkey.js`` (the session cookie and the
``X-CSRF-Token`` header; the challenge is kept on the staff session and used once).

The same approach as the hosted flow's ``flow/passkey.py`` and ``flow/consent_passkey.py``. A
refused ceremony is answered, not raised, so that the spent challenge and the audit entry are
committed with the request.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.base64url_to_bytes import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from gangway.errors import Forbidden, ValidationFailed
from gangway.models import StaffPasskey, StaffSession
from gangway.review import mfa
from gangway.review import staff as staff_service
from gangway.review.deps import PendingStaffDep, ServicesDep
from gangway.review.mfa_pages import audit_staff, complete_login
from gangway.review.staff import StaffContext
from gangway.review.web import safe_next
from gangway.web.deps import SessionDep

router = APIRouter(prefix="/admin/mfa/passkey", include_in_schema=False)
log = logging.getLogger("gangway.staff_passkey")
MAX_BODY = 64 * 1024
RP_NAME = "Gangway back office"


def relying_party(public_url: str) -> tuple[str, str]:
    """``(rp_id, origin)`` from the public URL: the RP id is its host."""
    parts = urlsplit(public_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


async def _passkeys(session: AsyncSession, staff: StaffContext) -> list[StaffPasskey]:
    return list(
        await session.scalars(select(StaffPasskey).where(StaffPasskey.staff_id == staff.staff_id))
    )


async def _store_challenge(session: AsyncSession, staff: StaffContext, challenge: bytes) -> None:
    row = await session.get(StaffSession, staff.session_id)
    assert row is not None
    row.webauthn_challenge = bytes_to_base64url(challenge)
    await session.flush()


async def _take_challenge(session: AsyncSession, staff: StaffContext) -> str | None:
    row = await session.get(StaffSession, staff.session_id)
    challenge = row.webauthn_challenge if row else None
    if row is not None:
        row.webauthn_challenge = None
        await session.flush()
    return challenge


async def _read_body(request: Request) -> tuple[dict[str, Any], str]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValidationFailed("The body is too large.")
    try:
        parsed = json.loads(body)
        credential = parsed["credential"]
        next_path = str(parsed.get("next") or "/admin")
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed("The body is not a WebAuthn credential.") from None
    if not isinstance(credential, dict):
        raise ValidationFailed("The body is not a WebAuthn credential.")
    return credential, safe_next(next_path)


def _refused(message: str) -> Response:
    return JSONResponse({"error": {"code": "passkey_refused", "message": message}}, 400)


@router.post("/register-options")
async def register_options(
    staff: PendingStaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Registration options for ``navigator.credentials.create`` (enrolment page only)."""
    await _check_may_enrol(session, staff)
    rp_id, _origin = relying_party(services.settings.public_url)
    existing = await _passkeys(session, staff)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=staff.staff_id.bytes,
        user_name=staff.email,
        user_display_name=staff.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing
        ],
    )
    await _store_challenge(session, staff, options.challenge)
    return Response(options_to_json(options), media_type="application/json")


async def _check_may_enrol(session: AsyncSession, staff: StaffContext) -> None:
    user = await staff_service.get_staff(session, staff.staff_id, lock=False)
    if not staff.mfa_verified and (await mfa.factors_of(session, user)).any:
        raise Forbidden("Confirm the second factor you have first.")


@router.post("/register")
async def register(
    request: Request, staff: PendingStaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Verify and keep the new passkey; a login waiting for its first factor is then complete.
    The recovery codes are generated from the setup page it leads to."""
    await _check_may_enrol(session, staff)
    challenge = await _take_challenge(session, staff)
    credential, _next = await _read_body(request)
    if not challenge:
        return _refused("Request a new passkey challenge first.")
    rp_id, origin = relying_party(services.settings.public_url)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("staff passkey registration refused", extra={"reason": type(error).__name__})
        return _refused("The passkey could not be verified.")
    now = services.clock.now()
    session.add(
        StaffPasskey(
            staff_id=staff.staff_id,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            created_at=now,
        )
    )
    await session.flush()
    await audit_staff(request, session, services, staff, "staff.mfa_enrolled", factor="passkey")
    response = JSONResponse({"next": "/admin/mfa/setup?added=passkey"})
    if staff.mfa_verified:
        return response
    return await complete_login(request, session, services, staff, response)


@router.post("/options")
async def login_options(
    staff: PendingStaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Authentication options for ``navigator.credentials.get`` (the second-factor step)."""
    passkeys = await _passkeys(session, staff)
    if not passkeys:
        raise Forbidden("No passkey is enrolled.")
    rp_id, _origin = relying_party(services.settings.public_url)
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    await _store_challenge(session, staff, options.challenge)
    return Response(options_to_json(options), media_type="application/json")


@router.post("/verify")
async def login_verify(
    request: Request, staff: PendingStaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Check the assertion against the person's passkey; the session is then fully
    authenticated. Failures are throttled with the code failures and audited."""
    if staff.mfa_verified:
        return RedirectResponse("/admin", status_code=303)
    challenge = await _take_challenge(session, staff)
    credential, next_path = await _read_body(request)
    throttle = services.staff_mfa_throttle
    key = f"mfa:{staff.staff_id}"
    if await throttle.retry_after(key):
        await audit_staff(request, session, services, staff, "staff.mfa_throttled")
        return _refused("Too many failed attempts: wait a few minutes.")
    stored = await session.scalar(
        select(StaffPasskey).where(
            StaffPasskey.staff_id == staff.staff_id,
            StaffPasskey.credential_id == str(credential.get("rawId", ""))[:512],
        )
    )
    verified = None
    if challenge and stored is not None:
        rp_id, origin = relying_party(services.settings.public_url)
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=stored.public_key,
                credential_current_sign_count=stored.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
            log.info("staff passkey assertion refused", extra={"reason": type(error).__name__})
    if verified is None or stored is None:
        await throttle.fail(key)
        await audit_staff(request, session, services, staff, "staff.mfa_failed", method="passkey")
        return _refused("The passkey could not be verified.")
    await throttle.reset(key)
    now = services.clock.now()
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = now
    await audit_staff(request, session, services, staff, "staff.mfa_verified", method="passkey")
    return await complete_login(
        request, session, services, staff, JSONResponse({"next": next_path})
    )
