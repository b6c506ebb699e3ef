"""The append-only audit log of staff actions and security events."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON, enum_column
from gangway.models.base import Base, id_column


class ActorType(StrEnum):
    staff = "staff"
    partner = "partner"
    system = "system"


class AuditEntry(Base):
    """Who did what to which object, from where. Rows are only ever inserted (no update path)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at", "id"),
        Index("ix_audit_entries_subject_created", "subject_id", "created_at"),
        Index("ix_audit_entries_action_created", "action", "created_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    created_at: Mapped[datetime]
    actor_type: Mapped[ActorType] = enum_column(ActorType, 16)
    # A staff or partner id; for failed logins the attempted email. NULL for the system.
    actor_id: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
