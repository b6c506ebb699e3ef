"""Identity-verification runs: one engine report per run, kept side by side when re-run."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import Blob, enum_column
from gangway.models.base import Base, id_column
from gangway.models.sealed import Sealed, load_data_key_with, sealed_field


class VerificationStatus(StrEnum):
    queued = "queued"  # waiting for a worker (or retrying after a crash)
    done = "done"
    failed = "failed"  # the run itself kept crashing: a human verifies by hand


class VerificationRun(Sealed, Base):
    """The engine's report on one submission (or one identity-verification consent).

    ``next_attempt_at`` is both the schedule and the lease, as for webhook deliveries: a claim
    moves it to the end of the lease, so a run whose worker died comes due again by itself.
    """

    __tablename__ = "verification_runs"
    __table_args__ = (
        Index("ix_verification_runs_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_verification_runs_individual_created", "individual_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("onboarding_submissions.id", ondelete="CASCADE")
    )
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE")
    )
    # 1, 2, ... per individual: a re-run is a new row, the earlier reports stay.
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[VerificationStatus] = enum_column(VerificationStatus, 16)
    engine: Mapped[str | None] = mapped_column(String(40))
    # The worst check outcome: pass, warn, fail or error.
    outcome: Mapped[str | None] = mapped_column(String(8))
    # The report without its binary evidence (JSON: checks with reasons and figures).
    # Sealed: it holds the MRZ as read (name, document number, date of birth).
    report = sealed_field[dict[str, Any] | None]()
    # Face crops and other binary evidence: AES-GCM sealed (aad = the run id), like documents.
    attachments_sealed: Mapped[bytes | None] = mapped_column(Blob)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


load_data_key_with(VerificationRun, VerificationRun.individual_id)
