"""Staff second factors: TOTP (RFC 6238, secrets sealed at rest), passkeys (see
``staff_passkey``) and single-use recovery codes.

A TOTP code is accepted for the current 30-second step and one step either side (clock drift),
and only for a step later than the last accepted one: a code cannot be replayed.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.kit.crypto import Sealer
from gangway.kit.ids import sha256_hex
from gangway.models import StaffPasskey, StaffRecoveryCode, StaffSession, StaffUser
from gangway.review.staff import end_all_sessions
from gangway.review.web import safe_next

ISSUER = "Gangway back office"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class Factors:
    """What second factors one account has."""

    totp: bool = False
    passkeys: int = 0
    recovery_codes_left: int = 0

    @property
    def any(self) -> bool:
        return self.totp or self.passkeys > 0


def next_stop(factors: Factors, verified: bool, next: str | None) -> str:
    """Where the password step leads: ``next`` when the session is complete, else the second
    factor page (or the enrolment, for an account without a factor), carrying ``next``."""
    target = safe_next(next)
    if verified:
        return target
    stop = "/admin/mfa" if factors.any else "/admin/mfa/setup"
    return stop if target == "/admin" else f"{stop}?next={quote(target, safe='/')}"


def new_totp_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG ``data:`` URI, made here (the CSP allows ``img-src data:``)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def format_setup_key(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _totp_aad(staff_id: uuid.UUID) -> bytes:
    return b"staff-totp:" + staff_id.bytes


def seal_pending_secret(sealer: Sealer, secret: str, session_id: uuid.UUID) -> str:
    """The secret being set up, carried by the setup form, bound to this session."""
    return sealer.seal_text(secret, b"staff-totp-pending:" + session_id.bytes)


def open_pending_secret(sealer: Sealer, sealed: str, session_id: uuid.UUID) -> str | None:
    try:
        return sealer.open_text(sealed, b"staff-totp-pending:" + session_id.bytes)
    except Exception:
        return None


def store_totp(user: StaffUser, sealer: Sealer, secret: str, step: int | None = None) -> None:
    user.totp_secret = sealer.seal_text(secret, _totp_aad(user.id))
    user.totp_last_step = step


def _normalize_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` is good for (around ``now``, after ``last_step``), else ``None``."""
    code = _normalize_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate (no early exit on the first match).
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


async def confirm_totp_enrolment(
    session: AsyncSession, user: StaffUser, sealer: Sealer, secret: str, code: str, now: datetime
) -> bool:
    """Keep ``secret`` as the account's TOTP if ``code`` proves the app has it."""
    step = matching_step(secret, code, now, None)
    if step is None:
        return False
    store_totp(user, sealer, secret, step)
    await session.flush()
    return True


async def verify_totp(
    session: AsyncSession, user: StaffUser, sealer: Sealer, code: str, now: datetime
) -> bool:
    """Check a code against the account's TOTP; an accepted code's step is used up. The step is
    claimed with a conditional UPDATE, so two requests racing with one code let one through."""
    if not user.totp_secret:
        return False
    secret = sealer.open_text(user.totp_secret, _totp_aad(user.id))
    step = matching_step(secret, code, now, user.totp_last_step)
    if step is None:
        return False
    claimed = await session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            (StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False
    user.totp_last_step = step
    return True


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, 10 hex digits
    return f"{raw[:5]}-{raw[5:]}"


async def new_recovery_codes(session: AsyncSession, user: StaffUser, now: datetime) -> list[str]:
    """Replace the account's recovery codes with 10 new ones, returned once (only their SHA-256
    is kept)."""
    await session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        StaffRecoveryCode(
            staff_id=user.id, code_hash=sha256_hex(_normalize_code(code)), created_at=now
        )
        for code in codes
    )
    await session.flush()
    return codes


async def use_recovery_code(
    session: AsyncSession, user: StaffUser, code: str, now: datetime
) -> bool:
    """Spend one unused recovery code (a conditional UPDATE: each works once)."""
    normalized = _normalize_code(code)
    if len(normalized) != 10:
        return False
    result = await session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.staff_id == user.id,
            StaffRecoveryCode.code_hash == sha256_hex(normalized),
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def factors_of(session: AsyncSession, user: StaffUser) -> Factors:
    return (await factor_summary(session, [user.id])).get(user.id, Factors())


async def factor_summary(
    session: AsyncSession, staff_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Factors]:
    """Each account's factors, in three queries whatever the number of accounts."""
    if not staff_ids:
        return {}
    totp = {
        row[0]: row[1] is not None
        for row in await session.execute(
            select(StaffUser.id, StaffUser.totp_secret).where(StaffUser.id.in_(staff_ids))
        )
    }
    passkeys: dict[uuid.UUID, int] = {
        row[0]: row[1]
        for row in await session.execute(
            select(StaffPasskey.staff_id, func.count(StaffPasskey.id))
            .where(StaffPasskey.staff_id.in_(staff_ids))
            .group_by(StaffPasskey.staff_id)
        )
    }
    codes: dict[uuid.UUID, int] = {
        row[0]: row[1]
        for row in await session.execute(
            select(StaffRecoveryCode.staff_id, func.count(StaffRecoveryCode.id))
            .where(StaffRecoveryCode.staff_id.in_(staff_ids), StaffRecoveryCode.used_at.is_(None))
            .group_by(StaffRecoveryCode.staff_id)
        )
    }
    return {
        staff_id: Factors(
            totp.get(staff_id, False), passkeys.get(staff_id, 0), codes.get(staff_id, 0)
        )
        for staff_id in staff_ids
    }


async def reset_factors(session: AsyncSession, user: StaffUser, now: datetime) -> list[str]:
    """Remove every second factor of the account (the person enrols again at the next login) and
    end their sessions; returns what was removed."""
    factors = await factors_of(session, user)
    removed = []
    if factors.totp:
        removed.append("totp")
    if factors.passkeys:
        removed.append("passkeys")
    if factors.recovery_codes_left:
        removed.append("recovery_codes")
    user.totp_secret = None
    user.totp_last_step = None
    await session.execute(delete(StaffPasskey).where(StaffPasskey.staff_id == user.id))
    await session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == user.id))
    await end_all_sessions(session, user.id, now)
    await session.flush()
    return removed


async def complete_second_factor(
    session: AsyncSession, session_id: uuid.UUID, now: datetime, new_key_hash: str
) -> None:
    """The session is fully authenticated from now on, under a new cookie value (the one that
    was issued before the second factor stops working)."""
    await session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
        .values(mfa_verified_at=now, session_hash=new_key_hash, last_seen_at=now)
    )
