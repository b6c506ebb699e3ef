from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import enum_column
from gangway.kit import normalise
from gangway.kit.keyring import Keyring
from gangway.models.base import Base, id_column
from gangway.models.sealed import DATE, Sealed, load_data_key_with, sealed_field


class IndividualStatus(StrEnum):
    pending_activation = "pending_activation"
    onboarding_requested = "onboarding_requested"
    onboarding_data_provided = "onboarding_data_provided"
    activated = "activated"
    blocked = "blocked"


class Individual(Sealed, Base):
    """A partner's end user; its personal fields are sealed under its own data key, and found by
    their blind indexes. ``redacted_at`` is set once erased: the row stays as a tombstone."""

    __tablename__ = "individuals"
    __table_args__ = (
        Index("ix_individuals_partner_created", "partner_id", "created_at", "id"),
        Index("ix_individuals_partner_status_created", "partner_id", "status", "created_at", "id"),
        Index("ix_individuals_partner_email_index", "partner_id", "email_index"),
        Index("ix_individuals_email_index", "email_index"),
        Index("ix_individuals_phone_index", "phone_index"),
        Index("ix_individuals_name_dob_index", "name_dob_index"),
    )
    individual_column = "id"
    creates_data_key = True

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    status: Mapped[IndividualStatus] = enum_column(
        IndividualStatus, 32, default=IndividualStatus.pending_activation
    )
    first_name = sealed_field[str]()
    last_name = sealed_field[str]()
    email = sealed_field[str]()
    phone_number = sealed_field[str]()
    date_of_birth = sealed_field[date](DATE)
    address: sealed_field[dict[str, Any] | None] = sealed_field()
    # Keyed HMACs of the normalised values (gangway.kit.normalise): look-ups without plaintext.
    email_index: Mapped[str | None] = mapped_column(String(64))
    phone_index: Mapped[str | None] = mapped_column(String(64))
    name_dob_index: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    redacted_at: Mapped[datetime | None]
    # Optimistic concurrency: every ORM UPDATE says "WHERE version = :seen" (StaleDataError if
    # another transaction got there first).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def blind_indexes(self, keyring: Keyring) -> dict[str, str | None]:
        return {
            "email_index": keyring.blind_index("email", normalise.email(self.email)),
            "phone_index": keyring.blind_index("phone", normalise.phone(self.phone_number)),
            "name_dob_index": keyring.blind_index(
                "name_dob",
                normalise.name_and_birth_date(self.first_name, self.last_name, self.date_of_birth),
            ),
        }


load_data_key_with(Individual, Individual.id)
