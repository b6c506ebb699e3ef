from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON
from gangway.models.base import Base, id_column


class EventName(StrEnum):
    IndividualOnboardingDataProvided = "IndividualOnboardingDataProvided"
    IndividualActivated = "IndividualActivated"
    IndividualBlocked = "IndividualBlocked"
    PendingActionCreated = "PendingActionCreated"
    PendingActionCompleted = "PendingActionCompleted"
    PendingActionExpired = "PendingActionExpired"
    IndividualRedacted = "IndividualRedacted"


class Event(Base):
    """An immutable business event; also the outbox the webhook worker delivers from."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_partner_created", "partner_id", "created_at", "id"),
        Index("ix_events_partner_name_created", "partner_id", "name", "created_at", "id"),
        Index("ix_events_partner_individual_created", "partner_id", "individual_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    individual_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[datetime]
