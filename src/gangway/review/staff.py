"""Staff accounts (Argon2id passwords), their lifecycle (disable, enable, role, password reset)
and their server-side sessions (30-minute idle timeout and an absolute lifetime).

Every change that takes rights away or changes credentials ends all of the person's sessions at
once; the last active administrator can be neither disabled nor demoted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationFailed
from gangway.kit import validators
from gangway.kit.ids import random_token, sha256_hex
from gangway.kit.passwords import hash_secret, needs_rehash, verify_secret
from gangway.models import StaffRole, StaffSession, StaffUser

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
IDLE_TIMEOUT = timedelta(minutes=30)
DEFAULT_MAX_LIFETIME = timedelta(hours=12)
# Touch ``last_seen_at`` at most this often, so page views are not all writes.
TOUCH_INTERVAL = timedelta(seconds=60)


class SecondFactorDue(Unauthorized):
    """The password step is passed but the second factor is not (→ the MFA pages)."""

    code = "second_factor_due"
    default_message = "Confirm your second factor to continue."


@dataclass(frozen=True)
class StaffContext:
    """The logged-in staff member of a request."""

    staff_id: uuid.UUID
    email: str
    role: StaffRole
    session_id: uuid.UUID
    # The raw cookie value: the CSRF tokens are bound to it.
    session_key: str
    # ``None`` while the second factor is still due (only the MFA pages accept that).
    mfa_verified_at: datetime | None = None

    @property
    def mfa_verified(self) -> bool:
        return self.mfa_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.admin


def normalize_email(email: str) -> str:
    return validators.normalize_email(email).lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters.",
            details=[FieldError("password", "too short")],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("The password is too long.")


async def create_staff(
    session: AsyncSession, email: str, password: str, role: StaffRole, now: datetime
) -> StaffUser:
    try:
        email = normalize_email(email)
    except ValueError as error:
        raise ValidationFailed(str(error), details=[FieldError("email", str(error))]) from None
    check_password_rules(password)
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict("A staff account with this email already exists.")
    user = StaffUser(
        email=email, password_hash=await hash_secret(password), role=StaffRole(role), created_at=now
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, else ``None`` (same cost either way)."""
    try:
        email = normalize_email(email)
    except ValueError:
        email = ""
    user = None
    if email and len(password) <= MAX_PASSWORD_LENGTH:
        user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    # An unknown email costs the same Argon2 verification as a wrong password.
    stored = user.password_hash if user is not None else None
    if not await verify_secret(stored, password[:MAX_PASSWORD_LENGTH]):
        return None
    if user is None or user.disabled_at is not None:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await hash_secret(password)
    return user


async def open_session(
    session: AsyncSession,
    user: StaffUser,
    now: datetime,
    client_ip: str | None,
    *,
    mfa_verified: bool = False,
    method: str = "password",
) -> str:
    """Start a session for ``user``; returns the cookie value (only its hash is stored). Unless
    ``mfa_verified``, the session owes its second factor (``mfa_verified_at`` is ``None``)."""
    key = random_token(32)
    session.add(
        StaffSession(
            staff_id=user.id,
            session_hash=sha256_hex(key),
            created_at=now,
            last_seen_at=now,
            client_ip=client_ip,
            mfa_verified_at=now if mfa_verified else None,
            method=method,
        )
    )
    user.last_login_at = now
    await session.flush()
    return key


async def resolve_session(
    session: AsyncSession, key: str, now: datetime, max_lifetime: timedelta = DEFAULT_MAX_LIFETIME
) -> tuple[StaffContext, bool] | None:
    """The live session behind a cookie value and whether its ``last_seen_at`` is due a touch;
    ``None`` if unknown, ended, idle, older than ``max_lifetime`` or the account is disabled.
    Reads only."""
    if not key or len(key) > 200:
        return None
    row = (
        await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.staff_id)
            .where(StaffSession.session_hash == sha256_hex(key))
        )
    ).first()
    if row is None:
        return None
    staff_session, user = row
    if staff_session.ended_at is not None or user.disabled_at is not None:
        return None
    if now - staff_session.last_seen_at >= IDLE_TIMEOUT:
        return None
    if now - staff_session.created_at >= max_lifetime:
        return None
    context = StaffContext(
        user.id,
        user.email,
        StaffRole(user.role),
        staff_session.id,
        key,
        staff_session.mfa_verified_at,
    )
    return context, now - staff_session.last_seen_at >= TOUCH_INTERVAL


async def touch_session(session: AsyncSession, session_id: object, now: datetime) -> None:
    """Record activity (at most every ``TOUCH_INTERVAL``; the idle timeout counts from it)."""
    await session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )


async def end_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )


async def end_all_sessions(session: AsyncSession, staff_id: uuid.UUID, now: datetime) -> int:
    """End every live session of one person at once; returns how many were live."""
    result = await session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def list_staff(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.email)))


async def get_staff(
    session: AsyncSession, staff_id: uuid.UUID | str, *, lock: bool = True
) -> StaffUser:
    """The account by id (``NotFound`` for an unknown or unparseable id), locked for update
    unless ``lock=False`` (pages that only read)."""
    try:
        parsed = staff_id if isinstance(staff_id, uuid.UUID) else uuid.UUID(str(staff_id))
    except ValueError:
        raise NotFound("No staff account with this id.") from None
    user = await session.scalar(select(StaffUser).where(StaffUser.id == parsed).with_for_update())
    if user is None:
        raise NotFound("No staff account with this id.")
    return user


async def get_staff_by_email(session: AsyncSession, email: str) -> StaffUser:
    try:
        email = normalize_email(email)
    except ValueError:
        raise NotFound("No staff account with this email.") from None
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
    if user is None:
        raise NotFound("No staff account with this email.")
    return user


async def _ensure_another_active_admin(session: AsyncSession, user: StaffUser) -> None:
    """Refuse to take the administrator rights of the last active administrator away."""
    if user.role is not StaffRole.admin or user.disabled_at is not None:
        return
    others = await session.scalar(
        select(func.count(StaffUser.id)).where(
            StaffUser.role == StaffRole.admin,
            StaffUser.disabled_at.is_(None),
            StaffUser.id != user.id,
        )
    )
    if not others:
        raise Conflict(
            "This is the last active administrator: make another account admin first, "
            "so that someone can still manage staff."
        )


async def disable_staff(session: AsyncSession, user: StaffUser, now: datetime) -> bool:
    """Disable the account and end its sessions; ``False`` if it already was disabled."""
    if user.disabled_at is not None:
        return False
    await _ensure_another_active_admin(session, user)
    user.disabled_at = now
    await end_all_sessions(session, user.id, now)
    await session.flush()
    return True


async def enable_staff(session: AsyncSession, user: StaffUser) -> bool:
    """Enable the account again; ``False`` if it was not disabled."""
    if user.disabled_at is None:
        return False
    user.disabled_at = None
    await session.flush()
    return True


async def set_role(session: AsyncSession, user: StaffUser, role: StaffRole, now: datetime) -> bool:
    """Change the role and end the person's sessions; ``False`` if it already was that role."""
    role = StaffRole(role)
    if user.role is role:
        return False
    if role is not StaffRole.admin:
        await _ensure_another_active_admin(session, user)
    user.role = role
    await end_all_sessions(session, user.id, now)
    await session.flush()
    return True


async def set_password(session: AsyncSession, user: StaffUser, password: str) -> None:
    check_password_rules(password)
    user.password_hash = await hash_secret(password)
    await session.flush()


async def reset_password(
    session: AsyncSession, user: StaffUser, password: str, now: datetime
) -> None:
    """A new password; every session of the person ends."""
    await set_password(session, user, password)
    await end_all_sessions(session, user.id, now)
