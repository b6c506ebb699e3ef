"""Phone verification with one-time codes: 6 digits, valid 10 minutes, 5 tries, resend throttled.

In sandbox no message is sent and ``000000`` is always accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.kit.crypto import derive_key
from gangway.models import Individual, PhoneVerification
from gangway.onboarding.sms import SmsSender

CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=30)
MAX_CODES_PER_HOUR = 5
SANDBOX_CODE = "000000"


class PhoneError(ValueError):
    """A user-facing failure; ``key`` names the translation, ``wait`` is seconds to wait."""

    def __init__(self, key: str, wait: int = 0) -> None:
        super().__init__(key)
        self.key = key
        self.wait = wait


def _code_hash(secret_key: str, verification_id: str, code: str) -> str:
    key = derive_key(secret_key, "phone-otp")
    return hmac.new(key, f"{verification_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def latest(
    session: AsyncSession, individual_id: object, *, for_update: bool = False
) -> PhoneVerification | None:
    query = (
        select(PhoneVerification)
        .where(PhoneVerification.individual_id == individual_id)
        .order_by(PhoneVerification.created_at.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def send_code(
    session: AsyncSession,
    individual: Individual,
    phone_number: str,
    *,
    secret_key: str,
    sender: SmsSender | None,
    sandbox: bool,
    now: datetime,
    message: str,
) -> PhoneVerification:
    """Create a new code and send it (``sender`` is ``None`` in sandbox: nothing is sent)."""
    recent = list(
        await session.scalars(
            select(PhoneVerification).where(
                PhoneVerification.individual_id == individual.id,
                PhoneVerification.created_at > now - timedelta(hours=1),
            )
        )
    )
    if recent:
        newest = max(recent, key=lambda v: v.created_at)
        wait = newest.created_at + RESEND_AFTER - now
        if wait.total_seconds() > 0:
            raise PhoneError("code_wait", int(wait.total_seconds()) + 1)
        if len(recent) >= MAX_CODES_PER_HOUR:
            raise PhoneError("code_too_many")
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = PhoneVerification(
        individual_id=individual.id,
        phone_number=phone_number,
        code_hash="",
        tries=0,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(verification)
    await session.flush()
    verification.code_hash = _code_hash(secret_key, str(verification.id), code)
    await session.flush()
    if not sandbox and sender is not None:
        await sender.send(phone_number, message.format(code=code))
    return verification


async def check_code(
    session: AsyncSession,
    individual: Individual,
    phone_number: str,
    code: str,
    *,
    secret_key: str,
    sandbox: bool,
    now: datetime,
) -> PhoneVerification:
    """Accept ``code`` for ``phone_number`` or raise :class:`PhoneError`.

    The code's row is locked while it is checked, so parallel guesses are counted one by one
    (five tries means five, however the requests are timed)."""
    verification = await latest(session, individual.id, for_update=True)
    if verification is None or verification.phone_number != phone_number:
        raise PhoneError("code_not_sent")
    if sandbox and code == SANDBOX_CODE:
        verification.verified_at = now
        await session.flush()
        return verification
    if verification.expires_at <= now:
        raise PhoneError("code_expired")
    if verification.tries >= MAX_TRIES:
        raise PhoneError("code_locked")
    expected = verification.code_hash
    if not hmac.compare_digest(expected, _code_hash(secret_key, str(verification.id), code)):
        verification.tries += 1
        await session.flush()
        raise PhoneError("code_locked" if verification.tries >= MAX_TRIES else "code_wrong")
    verification.verified_at = now
    await session.flush()
    return verification
