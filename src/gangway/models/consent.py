from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import PortableJSON, enum_column
from gangway.models.base import Base, id_column
from gangway.models.sealed import Sealed, load_data_key_with, sealed_field


class ConsentType(StrEnum):
    identity_verification = "identity_verification"
    proof_of_address_verification = "proof_of_address_verification"


class PendingActionType(StrEnum):
    IdentityVerification = "IdentityVerification"
    ProofOfAddressVerification = "ProofOfAddressVerification"


CONSENT_FOR_ACTION = {
    PendingActionType.IdentityVerification: ConsentType.identity_verification,
    PendingActionType.ProofOfAddressVerification: ConsentType.proof_of_address_verification,
}


class ConsentStatus(StrEnum):
    """Shared by consents and their pending actions (they move together)."""

    pending = "pending"
    completed = "completed"
    expired = "expired"
    canceled = "canceled"


class Consent(Base):
    """The end user's authorisation step behind a pending action."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_individual_id", "individual_id"),)

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    type: Mapped[ConsentType] = enum_column(ConsentType, 40)
    status: Mapped[ConsentStatus] = enum_column(ConsentStatus, 20, default=ConsentStatus.pending)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # "Confirm it's you": 5 wrong passcodes lock the consent for 15 minutes.
    failed_passcode_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PendingAction(Base):
    """A follow-up the provider asks of an individual after onboarding."""

    __tablename__ = "pending_actions"
    __table_args__ = (
        Index("ix_pending_actions_partner_created", "partner_id", "created_at", "id"),
        Index("ix_pending_actions_partner_individual", "partner_id", "individual_id"),
        Index("ix_pending_actions_status_expires", "status", "expires_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    consent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), unique=True
    )
    type: Mapped[PendingActionType] = enum_column(PendingActionType, 40)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ConsentStatus] = enum_column(ConsentStatus, 20, default=ConsentStatus.pending)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # The PendingActionCreated event that announced it (the `event_id` filter).
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    # Set when staff have looked at what the user sent in (review queue).
    reviewed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ConsentProgress(Sealed, Base):
    """What the user entered so far in one consent flow session (the consent flows' draft).

    One row per flow session: the first step ("Confirm it's you") must be passed in the session
    that completes the consent, so progress is not shared between browsers the way the
    onboarding draft is.
    """

    __tablename__ = "consent_progress"

    id: Mapped[uuid.UUID] = id_column()
    flow_session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("flow_sessions.id", ondelete="CASCADE"), unique=True
    )
    consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consents.id", ondelete="CASCADE"))
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), index=True
    )
    # {step name: {field: value}} (sealed); always replaced as a whole so the ORM sees the change.
    data = sealed_field[dict[str, Any]]()
    completed_steps: Mapped[list[str]] = mapped_column(PortableJSON)
    # Set in the transaction that completed the consent (a double submit then lands on "done").
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


load_data_key_with(ConsentProgress, ConsentProgress.individual_id)
