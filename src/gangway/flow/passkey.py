"""Passkey enrolment (WebAuthn, platform authenticator, user verification required).

Two JSON calls from ``passkey.js`` on the security step: ``options`` (a fresh single-use challenge
kept on the flow session) and ``register`` (verified with the ``webauthn`` package).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from webauthn import (
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.base64url_to_bytes import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorAttachment,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from gangway.db.session import transaction
from gangway.errors import Forbidden, ValidationFailed
from gangway.flow.context import FlowContext
from gangway.flow.routes import next_url
from gangway.flow.session import FlowDep, ServicesDep, load_flow, take_webauthn_challenge
from gangway.models import WebauthnCredential
from gangway.onboarding import credentials, service

router = APIRouter(prefix="/flow", include_in_schema=False)
log = logging.getLogger("gangway.passkey")
MAX_BODY = 64 * 1024


def relying_party(public_url: str) -> tuple[str, str]:
    """``(rp_id, origin)`` from the public URL: the RP id is its host."""
    parts = urlsplit(public_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _check(request: Request, ctx: FlowContext) -> None:
    """The CSRF header, and a passcode set first (a passkey is an extra, never the only way)."""
    ctx.services.flow_csrf.verify(str(ctx.flow_session.id), request.headers.get("x-csrf-token"))
    if not ctx.step_data("security").get("passcode_set"):
        raise Forbidden("Set a passcode first.")


@router.post("/passkey-options")
async def passkey_options(request: Request, ctx: FlowDep) -> Response:
    """Registration options for ``navigator.credentials.create`` (FlowDep + CSRF header)."""
    _check(request, ctx)
    rp_id, _origin = relying_party(ctx.services.settings.public_url)
    existing = await credentials.passkeys(ctx.session, ctx.individual.id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=ctx.partner.name[:64],
        user_id=ctx.individual.id.bytes,
        user_name=ctx.individual.email,
        user_display_name=f"{ctx.individual.first_name} {ctx.individual.last_name}"[:64],
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=AuthenticatorAttachment.PLATFORM,
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id)) for c in existing
        ],
    )
    ctx.flow_session.webauthn_challenge = bytes_to_base64url(options.challenge)
    await ctx.session.flush()
    return Response(options_to_json(options), media_type="application/json")


@router.post("/passkey-register")
async def passkey_register(request: Request, services: ServicesDep) -> Response:
    """Verifies the new credential and stores it (the flow cookie + CSRF header). The challenge
    is consumed first, in its own transaction."""
    challenge = await take_webauthn_challenge(request, services, lambda ctx: _check(request, ctx))
    async with transaction(services.sessions) as session:
        ctx = await load_flow(request, services, session, finished_ok=False)
        return await _register(request, ctx, challenge)


async def _register(request: Request, ctx: FlowContext, challenge: str | None) -> Response:
    body = await request.body()
    if not challenge or len(body) > MAX_BODY:
        raise ValidationFailed("Request a new passkey challenge first.")
    try:
        credential = json.loads(body)
    except ValueError:
        raise ValidationFailed("The body is not valid JSON.") from None
    if not isinstance(credential, dict):
        raise ValidationFailed("The body must be a WebAuthn credential object.")
    rp_id, origin = relying_party(ctx.services.settings.public_url)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("passkey registration refused", extra={"reason": type(error).__name__})
        raise ValidationFailed("The passkey could not be verified.") from None
    ctx.session.add(
        WebauthnCredential(
            individual_id=ctx.individual.id,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            created_at=ctx.now,
        )
    )
    data = ctx.step_data("security")
    await service.save_step(ctx.session, ctx.draft, "security", {**data, "passkey": True}, ctx.now)
    return JSONResponse({"next": next_url(ctx)})
