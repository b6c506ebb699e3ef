"""Staff accounts (Argon2id passwords) and their server-side sessions (30-minute idle timeout)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import Conflict, FieldError, ValidationFailed
from gangway.kit import validators
from gangway.kit.ids import random_token, sha256_hex
from gangway.kit.passwords import hash_secret, needs_rehash, verify_secret
from gangway.models import StaffRole, StaffSession, StaffUser

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
IDLE_TIMEOUT = timedelta(minutes=30)
# Touch ``last_seen_at`` at most this often, so page views are not all writes.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class StaffContext:
    """The logged-in staff member of a request."""

    staff_id: uuid.UUID
    email: str
    role: StaffRole
    session_id: uuid.UUID
    # The raw cookie value: the CSRF tokens are bound to it.
    session_key: str

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
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_secret(password)
    return user


async def open_session(
    session: AsyncSession, user: StaffUser, now: datetime, client_ip: str | None
) -> str:
    """Start a session for ``user``; returns the cookie value (only its hash is stored)."""
    key = random_token(32)
    session.add(
        StaffSession(
            staff_id=user.id,
            session_hash=sha256_hex(key),
            created_at=now,
            last_seen_at=now,
            client_ip=client_ip,
        )
    )
    user.last_login_at = now
    await session.flush()
    return key


async def resolve_session(
    session: AsyncSession, key: str, now: datetime
) -> tuple[StaffContext, bool] | None:
    """The live session behind a cookie value and whether its ``last_seen_at`` is due a touch;
    ``None`` if unknown, ended, idle or the account is disabled. Reads only."""
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
    context = StaffContext(user.id, user.email, StaffRole(user.role), staff_session.id, key)
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


async def list_staff(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.email)))


async def set_password(session: AsyncSession, user: StaffUser, password: str) -> None:
    check_password_rules(password)
    user.password_hash = await hash_secret(password)
    await session.flush()
