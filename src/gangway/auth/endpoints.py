from __future__ import annotations

from fastapi import APIRouter, Request

from gangway.auth import service
from gangway.auth.deps import LoginThrottleDep, SignerDep
from gangway.auth.schemas import LoginRequest, RefreshRequest, TokenResponse
from gangway.db.session import transaction
from gangway.errors import RateLimited, Unauthorized
from gangway.observability import LOGIN_FAILURES
from gangway.web.deps import ClockDep, SessionDep, WriteSessionsDep
from gangway.web.middleware import client_ip
from gangway.web.schemas import error_responses

router = APIRouter(prefix="/v3/auth", tags=["Authentication"])


@router.post(
    "/login",
    operation_id="login",
    response_model=TokenResponse,
    responses=error_responses(400, 401, 429),
)
async def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    signer: SignerDep,
    throttle: LoginThrottleDep,
) -> TokenResponse:
    """Exchange an API key for a 15-minute access token and a refresh token (a 60-minute session).

    Public: no bearer token. Repeated failures from one address are refused with 429.
    """
    address = client_ip(request.scope)
    wait = await throttle.retry_after(address)
    if wait is not None:
        raise RateLimited(
            "Too many failed logins; try again later.", headers={"Retry-After": str(wait)}
        )
    try:
        pair = await service.login(session, signer, body.api_key, clock.now())
    except Unauthorized:
        await throttle.fail(address)
        LOGIN_FAILURES.inc()
        raise
    return TokenResponse(**pair.__dict__)


@router.post(
    "/refresh",
    operation_id="refreshToken",
    response_model=TokenResponse,
    responses=error_responses(400, 401, 429),
)
async def refresh(
    body: RefreshRequest, sessions: WriteSessionsDep, clock: ClockDep, signer: SignerDep
) -> TokenResponse:
    """Rotate both tokens. Allowed only after the access token expired (else 400
    `token_not_expired`) and while the session lives. A refresh token that was already rotated
    revokes the whole session (401)."""
    now = clock.now()
    # Transactions are opened here rather than by SessionDep: on reuse the refresh transaction
    # rolls back, and the revocation must still commit, in a transaction of its own.
    try:
        async with transaction(sessions) as session:
            pair = await service.refresh(session, signer, body.refresh_token, now)
    except service.RefreshTokenReused as reuse:
        async with transaction(sessions) as revoking:
            await service.revoke_session(revoking, reuse.session_id, now, "refresh_token_reused")
        raise Unauthorized("This refresh token was already used; the session is revoked.") from None
    return TokenResponse(**pair.__dict__)
