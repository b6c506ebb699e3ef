from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.models.base import Base, id_column


class Partner(Base):
    """A fintech company integrating with the API."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    # Identifies the partner to the mobile SDK; public by design, so stored in clear.
    public_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime]


class ApiKey(Base):
    """A partner's secret API key, stored only as a SHA-256 hash of its 256 random bits."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_partner_id", "partner_id"),)

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AuthSession(Base):
    """What one login opened: a 60-minute window in which tokens can be refreshed."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_api_key_id", "api_key_id"),)

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    access_expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(Base):
    """Every refresh token a session ever had; a rotated one presented again means theft."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_session_id", "session_id"),)

    id: Mapped[uuid.UUID] = id_column()
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
