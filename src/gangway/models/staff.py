"""Back-office staff accounts and their server-side browser sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import Blob, enum_column
from gangway.models.base import Base, id_column


class StaffRole(StrEnum):
    reviewer = "reviewer"
    admin = "admin"


class StaffUser(Base):
    """A compliance officer or administrator; the password is kept only as an Argon2id hash
    (none for an account created by single sign-on), the TOTP secret sealed (AES-GCM)."""

    __tablename__ = "staff_users"

    id: Mapped[uuid.UUID] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[StaffRole] = enum_column(StaffRole, 16)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Second factor: the sealed TOTP secret (set once the first code confirmed it) and the last
    # time step a code was accepted for (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class StaffSession(Base):
    """One browser login. The cookie holds a random id; only its SHA-256 is stored here."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_staff_id", "staff_id"),)

    id: Mapped[uuid.UUID] = id_column()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    client_ip: Mapped[str | None] = mapped_column(String(64))
    # ``None`` while the second factor is still due: only the MFA pages accept such a session.
    mfa_verified_at: Mapped[datetime | None]
    # How the password step was passed: "password" or "sso".
    method: Mapped[str] = mapped_column(String(16), default="password", server_default="password")
    # A pending WebAuthn challenge (base64url), single use.
    webauthn_challenge: Mapped[str | None] = mapped_column(String(128))


class StaffRecoveryCode(Base):
    """A single-use recovery code (10 per enrolment), stored as SHA-256: the codes are random."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (Index("ix_staff_recovery_codes_staff_id", "staff_id"),)

    id: Mapped[uuid.UUID] = id_column()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class StaffPasskey(Base):
    """A passkey (WebAuthn credential) enrolled by a staff member as a second factor."""

    __tablename__ = "staff_passkeys"
    __table_args__ = (Index("ix_staff_passkeys_staff_id", "staff_id"),)

    id: Mapped[uuid.UUID] = id_column()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    # base64url of the raw credential id.
    credential_id: Mapped[str] = mapped_column(String(512), unique=True)
    public_key: Mapped[bytes] = mapped_column(Blob)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
