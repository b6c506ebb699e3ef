"""The key hierarchy's rows (see :mod:`gangway.kit.keyring`) and erasure requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gangway.db.types import Blob, enum_column
from gangway.models.base import Base

if TYPE_CHECKING:
    from gangway.models.individual import Individual


class KeyEncryptionKey(Base):
    """A KEK, wrapped by the root key. The newest unretired one wraps new data keys."""

    __tablename__ = "key_encryption_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(Blob)
    # The root key that wrapped it (a later root-key change re-wraps these few rows).
    root_kid: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    # Set by ``gangway keys rotate`` once a newer KEK exists: it wraps nothing new.
    retired_at: Mapped[datetime | None]


class DataKey(Base):
    """One individual's data key, wrapped by a KEK. Deleting the row erases the person."""

    __tablename__ = "data_keys"
    __table_args__ = (Index("ix_data_keys_kid", "kid"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), primary_key=True
    )
    kid: Mapped[str] = mapped_column(ForeignKey("key_encryption_keys.kid"))
    wrapped: Mapped[bytes] = mapped_column(Blob)
    created_at: Mapped[datetime]

    # Never loaded (``raise``): they only tell the unit of work to insert the individual and the
    # KEK before the data key that refers to them, in the same flush.
    individual: Mapped[Individual] = relationship(lazy="raise")
    kek: Mapped[KeyEncryptionKey] = relationship(lazy="raise")


class RedactionStatus(StrEnum):
    pending = "pending"  # held for the retention period (or a compliance officer's approval)
    completed = "completed"


class RedactionReason(StrEnum):
    data_subject_request = "data_subject_request"
    relationship_ended = "relationship_ended"
    partner_request = "partner_request"


class RedactionRequest(Base):
    """An erasure asked for an individual: completed at once, or held until ``due_at``."""

    __tablename__ = "redaction_requests"
    __table_args__ = (Index("ix_redaction_requests_status_due", "status", "due_at"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    status: Mapped[RedactionStatus] = enum_column(RedactionStatus, 16)
    reason: Mapped[RedactionReason] = enum_column(RedactionReason, 32)
    # "partner:<id>" or "staff:<id>"
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime]
    # When the retention hold ends; an approved early erasure sets it to the approval time.
    due_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approval_note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
