"""Partners and their keys; logins, token refresh with rotation and reuse detection."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.auth.tokens import AccessClaims, AccessTokenSigner
from gangway.errors import NotFound, TokenNotExpired, Unauthorized
from gangway.kit.ids import random_token, sha256_hex
from gangway.models import ApiKey, AuthSession, Partner, RefreshToken

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(minutes=60)
API_KEY_PREFIX = "gw_sk_"
PUBLIC_KEY_PREFIX = "pk_"
REFRESH_TOKEN_PREFIX = "gw_rt_"
VISIBLE_PREFIX_LENGTH = len(API_KEY_PREFIX) + 8

_sessions = cast(Table, AuthSession.__table__)
_keys = cast(Table, ApiKey.__table__)


class RefreshTokenReused(Unauthorized):
    """A rotated refresh token came back: treated as theft, the session must be revoked."""

    def __init__(self, session_id: uuid.UUID) -> None:
        super().__init__()
        self.session_id = session_id


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


async def create_partner(
    session: AsyncSession, name: str, now: datetime
) -> tuple[Partner, IssuedKey]:
    partner = Partner(
        name=name, public_key=PUBLIC_KEY_PREFIX + secrets.token_hex(16), created_at=now
    )
    session.add(partner)
    await session.flush()
    return partner, await create_api_key(session, partner.id, now)


async def create_api_key(session: AsyncSession, partner_id: uuid.UUID, now: datetime) -> IssuedKey:
    if await session.get(Partner, partner_id) is None:
        raise NotFound("No such partner.")
    secret = API_KEY_PREFIX + random_token(32)
    api_key = ApiKey(
        partner_id=partner_id,
        prefix=secret[:VISIBLE_PREFIX_LENGTH],
        key_hash=sha256_hex(secret),
        created_at=now,
    )
    session.add(api_key)
    await session.flush()
    return IssuedKey(api_key, secret)


async def revoke_api_key(session: AsyncSession, prefix: str, now: datetime) -> ApiKey:
    api_key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if api_key is None:
        raise NotFound("No API key has this prefix.")
    if api_key.revoked_at is None:
        api_key.revoked_at = now
        await session.execute(
            update(AuthSession)
            .where(AuthSession.api_key_id == api_key.id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="api_key_revoked")
        )
    await session.flush()
    return api_key


async def login(
    session: AsyncSession, signer: AccessTokenSigner, api_key_secret: str, now: datetime
) -> TokenPair:
    api_key = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == sha256_hex(api_key_secret))
    )
    if api_key is None or api_key.revoked_at is not None:
        raise Unauthorized("The API key is not valid.")
    api_key.last_used_at = now
    auth_session = AuthSession(
        partner_id=api_key.partner_id,
        api_key_id=api_key.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        access_expires_at=now + ACCESS_TOKEN_LIFETIME,
    )
    session.add(auth_session)
    await session.flush()
    return await _issue(session, signer, auth_session, now)


async def refresh(
    session: AsyncSession, signer: AccessTokenSigner, refresh_token: str, now: datetime
) -> TokenPair:
    presented = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(refresh_token))
    )
    if presented is None:
        raise Unauthorized("The refresh token is not valid.")
    auth_session = await session.get(AuthSession, presented.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise Unauthorized("The session was revoked; log in again.")
    if presented.rotated_at is not None:
        raise RefreshTokenReused(auth_session.id)
    if now >= auth_session.expires_at:
        raise Unauthorized("The session expired; log in again.")
    if now < auth_session.access_expires_at:
        raise TokenNotExpired()
    # Guarded rotation: of two concurrent refreshes with one token, only one wins the update.
    rotated = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == presented.id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now)
    )
    if rotated.rowcount != 1:  # type: ignore[attr-defined]
        raise RefreshTokenReused(auth_session.id)
    auth_session.access_expires_at = min(now + ACCESS_TOKEN_LIFETIME, auth_session.expires_at)
    return await _issue(session, signer, auth_session, now)


async def revoke_session(
    session: AsyncSession, session_id: uuid.UUID, now: datetime, reason: str
) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def _issue(
    session: AsyncSession, signer: AccessTokenSigner, auth_session: AuthSession, now: datetime
) -> TokenPair:
    refresh_secret = REFRESH_TOKEN_PREFIX + random_token(32)
    session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=sha256_hex(refresh_secret), created_at=now
        )
    )
    await session.flush()
    claims = AccessClaims(
        partner_id=auth_session.partner_id,
        session_id=auth_session.id,
        api_key_id=auth_session.api_key_id,
        expires_at=auth_session.access_expires_at,
    )
    return TokenPair(
        access_token=signer.issue(claims, now),
        refresh_token=refresh_secret,
        expires_in=int((auth_session.access_expires_at - now).total_seconds()),
    )


async def session_is_active(session: AsyncSession, claims: AccessClaims, now: datetime) -> bool:
    """Whether the token's login session still stands (not revoked, key not revoked)."""
    # The key is checked too, not only the session: revoking a key revokes its sessions, but a
    # key revoked any other way must stop its tokens as well.
    # Core columns (no ORM entity): this runs on every partner request.
    row = await session.execute(
        select(_sessions.c.revoked_at, _keys.c.revoked_at.label("key_revoked_at"))
        .select_from(_sessions)
        .join(_keys, _keys.c.id == _sessions.c.api_key_id)
        .where(
            _sessions.c.id == claims.session_id,
            _sessions.c.partner_id == claims.partner_id,
            _sessions.c.api_key_id == claims.api_key_id,
        )
    )
    found = row.first()
    return found is not None and found.revoked_at is None and found.key_revoked_at is None
