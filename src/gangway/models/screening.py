"""Entries of the sanctions list the screening check matches against."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON
from gangway.models.base import Base, id_column


class SanctionsEntry(Base):
    """One row of an OpenSanctions "targets.simple" CSV; replaced whole by each load."""

    __tablename__ = "sanctions_entries"
    __table_args__ = (Index("ix_sanctions_entries_source_id", "source_id"),)

    id: Mapped[uuid.UUID] = id_column()
    source_id: Mapped[str] = mapped_column(String(200))
    schema: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(Text)
    # Every name to match (the name and its aliases), normalised for fuzzy comparison.
    names: Mapped[list[str]] = mapped_column(PortableJSON)
    birth_dates: Mapped[list[str]] = mapped_column(PortableJSON)
    countries: Mapped[list[str]] = mapped_column(PortableJSON)
    sanctions: Mapped[str | None] = mapped_column(Text)
    dataset: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    loaded_at: Mapped[datetime]


class IdentityFingerprint(Base):
    """A hash of a submitted identity attribute (document number + country, email), so that the
    duplicate-identity check finds other individuals of any partner with one indexed lookup."""

    __tablename__ = "identity_fingerprints"
    __table_args__ = (
        Index("ix_identity_fingerprints_kind_hash", "kind", "value_hash"),
        Index("ix_identity_fingerprints_individual_id", "individual_id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    kind: Mapped[str] = mapped_column(String(16))
    value_hash: Mapped[str] = mapped_column(String(64))
    individual_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    partner_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    created_at: Mapped[datetime]
