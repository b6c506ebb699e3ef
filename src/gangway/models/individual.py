from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON, enum_column
from gangway.models.base import Base, id_column


class IndividualStatus(StrEnum):
    pending_activation = "pending_activation"
    onboarding_requested = "onboarding_requested"
    onboarding_data_provided = "onboarding_data_provided"
    activated = "activated"
    blocked = "blocked"


class Individual(Base):
    """A partner's end user. Status transitions live in ``gangway.individuals.transitions``."""

    __tablename__ = "individuals"
    __table_args__ = (
        Index("ix_individuals_partner_created", "partner_id", "created_at", "id"),
        Index("ix_individuals_partner_status_created", "partner_id", "status", "created_at", "id"),
        Index("ix_individuals_partner_email", "partner_id", "email"),
    )

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    status: Mapped[IndividualStatus] = enum_column(
        IndividualStatus, 32, default=IndividualStatus.pending_activation
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    phone_number: Mapped[str] = mapped_column(String(20))
    date_of_birth: Mapped[date] = mapped_column(Date())
    address: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Optimistic concurrency: every ORM UPDATE says "WHERE version = :seen" (StaleDataError if
    # another transaction got there first).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
