"""Passkey authentication on "Confirm it's you" (WebAuthn, user verification required).

Two JSON calls from ``consent-passkey.js``: ``options`` (a fresh single-use challenge on the flow
session, the individual's passkeys allowed) and ``verify`` (checked with the ``webauthn`` package
against the stored public key; the signature counter is updated).
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.base64url_to_bytes import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from gangway.db.session import transaction
from gangway.errors import Forbidden, ValidationFailed
from gangway.flow import consent
from gangway.flow.context import FlowContext
from gangway.flow.passkey import MAX_BODY, relying_party
from gangway.flow.routes import next_url
from gangway.flow.session import FlowDep, ServicesDep, load_flow, take_webauthn_challenge
from gangway.models import WebauthnCredential
from gangway.onboarding import credentials

router = APIRouter(prefix="/flow", include_in_schema=False)
log = logging.getLogger("gangway.passkey")


def _check(request: Request, ctx: FlowContext) -> None:
    ctx.services.flow_csrf.verify(str(ctx.flow_session.id), request.headers.get("x-csrf-token"))
    if ctx.consent is None:
        raise Forbidden("Passkey confirmation belongs to a consent flow.")
    if consent.locked_until(ctx.consent, ctx.now) is not None:
        raise Forbidden("The verification is locked for a while.")


@router.post("/consent-passkey-options")
async def consent_passkey_options(request: Request, ctx: FlowDep) -> Response:
    """Authentication options for ``navigator.credentials.get`` (FlowDep + CSRF header)."""
    _check(request, ctx)
    passkeys = await credentials.passkeys(ctx.session, ctx.individual.id)
    if not passkeys:
        raise Forbidden("No passkey is enrolled.")
    rp_id, _origin = relying_party(ctx.services.settings.public_url)
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    ctx.flow_session.webauthn_challenge = bytes_to_base64url(options.challenge)
    await ctx.session.flush()
    return Response(options_to_json(options), media_type="application/json")


@router.post("/consent-passkey-verify")
async def consent_passkey_verify(request: Request, services: ServicesDep) -> Response:
    """Checks the assertion against the individual's passkey; on success the user is confirmed
    for this flow session (the flow cookie + CSRF header). The challenge is consumed first, in
    its own transaction."""
    challenge = await take_webauthn_challenge(request, services, lambda ctx: _check(request, ctx))
    async with transaction(services.sessions) as session:
        ctx = await load_flow(request, services, session, finished_ok=False)
        return await _verify(request, ctx, challenge)


async def _verify(request: Request, ctx: FlowContext, challenge: str | None) -> Response:
    body = await request.body()
    if not challenge or len(body) > MAX_BODY:
        raise ValidationFailed("Request a new passkey challenge first.")
    try:
        assertion = json.loads(body)
        credential_id = str(assertion["rawId"])
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed("The body is not a WebAuthn assertion.") from None
    stored = await ctx.session.scalar(
        select(WebauthnCredential).where(
            WebauthnCredential.credential_id == credential_id[:512],
            WebauthnCredential.individual_id == ctx.individual.id,
        )
    )
    if stored is None:
        raise ValidationFailed("The passkey could not be verified.")
    rp_id, origin = relying_party(ctx.services.settings.public_url)
    try:
        verified = verify_authentication_response(
            credential=assertion,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("passkey assertion refused", extra={"reason": type(error).__name__})
        raise ValidationFailed("The passkey could not be verified.") from None
    stored.sign_count = verified.new_sign_count
    await consent.mark_confirmed(ctx, "passkey")
    return JSONResponse({"next": next_url(ctx)})
