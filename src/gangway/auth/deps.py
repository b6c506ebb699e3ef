"""``PartnerDep``: the bearer-token check (and per-key rate limit) of every partner endpoint."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gangway.auth import service
from gangway.auth.tokens import AccessTokenSigner
from gangway.errors import RateLimited, Unauthorized
from gangway.kit.ratelimit import FailureThrottle, TokenBucket
from gangway.observability import RATE_LIMITED
from gangway.web.deps import ClockDep, SessionDep, claim_idempotency_key


@dataclass(frozen=True)
class PartnerContext:
    partner_id: uuid.UUID
    api_key_id: uuid.UUID
    session_id: uuid.UUID


def get_signer(request: Request) -> AccessTokenSigner:
    signer: AccessTokenSigner = request.app.state.services.signer
    return signer


def get_rate_limiter(request: Request) -> TokenBucket:
    limiter: TokenBucket = request.app.state.services.rate_limiter
    return limiter


def get_login_throttle(request: Request) -> FailureThrottle:
    throttle: FailureThrottle = request.app.state.services.login_throttle
    return throttle


SignerDep = Annotated[AccessTokenSigner, Depends(get_signer)]
RateLimiterDep = Annotated[TokenBucket, Depends(get_rate_limiter)]
LoginThrottleDep = Annotated[FailureThrottle, Depends(get_login_throttle)]


# Declares the `bearerAuth` scheme on every operation that needs a token (the OpenAPI document's
# `security`); the header is still read by ``bearer_token`` so that the answer stays our 401.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    bearerFormat="JWT",
    description="The `access_token` of `POST /v3/auth/login` (15 minutes).",
)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticated_partner(
    request: Request,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    signer: SignerDep,
    limiter: RateLimiterDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> PartnerContext:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized(
            "Send 'Authorization: Bearer <access_token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    now = clock.now()
    claims = signer.verify(token, now)
    if claims is None or not await service.session_is_active(session, claims, now):
        raise Unauthorized(
            "The access token is invalid, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    decision = await limiter.take(str(claims.api_key_id))
    headers = {
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(decision.reset_seconds),
    }
    if not decision.allowed:
        RATE_LIMITED.inc()
        raise RateLimited(headers={**headers, "Retry-After": str(decision.reset_seconds)})
    response.headers.update(headers)
    request.state.partner_id = claims.partner_id
    # Last, after the session, key and rate-limit checks: a used key replays its stored answer
    # from here (KeyAlreadyUsed), which a revoked or throttled caller must not get.
    await claim_idempotency_key(request, session)
    return PartnerContext(claims.partner_id, claims.api_key_id, claims.session_id)


PartnerDep = Annotated[PartnerContext, Depends(authenticated_partner)]
