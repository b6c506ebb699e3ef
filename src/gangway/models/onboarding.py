"""The hosted onboarding: links, drafts, flow sessions, phone codes, documents, submissions and the
end user's credentials (passcode, passkeys)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gangway.db.types import Blob, PortableJSON, enum_column
from gangway.models.base import Base, id_column
from gangway.models.sealed import KeyedRow, Sealed, load_data_key_with, sealed_field


class DocumentKind(StrEnum):
    document_front = "document_front"
    document_back = "document_back"
    selfie = "selfie"
    proof_of_address = "proof_of_address"


class OnboardingLink(Base):
    """A pre-signed ``redirect_url``/``token``; only the SHA-256 of the token is stored."""

    __tablename__ = "onboarding_links"
    __table_args__ = (Index("ix_onboarding_links_individual_id", "individual_id"),)

    id: Mapped[uuid.UUID] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # Which flow the link opens: "onboarding" (consent flows reuse the machinery later).
    flow: Mapped[str] = mapped_column(String(40), default="onboarding")
    return_url: Mapped[str | None] = mapped_column(String(2048))
    # Set for consent flows (pending actions).
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE")
    )
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    # The last time the link was opened, and from which platform ("web" or an SDK's platform).
    last_opened_at: Mapped[datetime | None]
    last_platform: Mapped[str | None] = mapped_column(String(20))


class OnboardingDraft(Sealed, Base):
    """What the user entered so far, one per individual; every step saves here (sealed)."""

    __tablename__ = "onboarding_drafts"

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), unique=True
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # {step name: {field: value}}; always replaced as a whole so the ORM sees the change.
    data = sealed_field[dict[str, Any]]()
    completed_steps: Mapped[list[str]] = mapped_column(PortableJSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FlowSession(Base):
    """A browser (or web view) bound to a flow by an HttpOnly cookie; the cookie value is hashed."""

    __tablename__ = "flow_sessions"
    __table_args__ = (Index("ix_flow_sessions_individual_id", "individual_id"),)

    id: Mapped[uuid.UUID] = id_column()
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("onboarding_links.id", ondelete="CASCADE")
    )
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(40))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE")
    )
    # "web", or the SDK platform: "ios", "android", "react-native".
    platform: Mapped[str] = mapped_column(String(20))
    return_url: Mapped[str | None] = mapped_column(String(2048))
    # The pending WebAuthn registration challenge (base64url), single use.
    webauthn_challenge: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PhoneVerification(Sealed, Base):
    """A one-time code sent to a phone; the code is stored as an HMAC, with a try counter."""

    __tablename__ = "phone_verifications"
    __table_args__ = (
        Index("ix_phone_verifications_individual_created", "individual_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    phone_number = sealed_field[str]()
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]


class OnboardingSubmission(Sealed, Base):
    """The frozen data of a submitted onboarding; one per individual (double submits collide).
    The data and the check results (sanctions hits name people) are sealed."""

    __tablename__ = "onboarding_submissions"

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), unique=True
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    data = sealed_field[dict[str, Any]]()
    # Filled in by the automated checks (back office) inside the submit transaction.
    check_results = sealed_field[Any]()
    risk_level: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]


class Document(KeyedRow, Base):
    """An uploaded file, sealed under the individual's data key (aad = ``documents:<id>``); never
    served to users or partners."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_individual_id", "individual_id"),
        Index("ix_documents_submission_id", "submission_id"),
    )

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("onboarding_submissions.id", ondelete="SET NULL")
    )
    # Set when the file was sent in a consent flow (a pending action's verification).
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consents.id", ondelete="SET NULL")
    )
    kind: Mapped[DocumentKind] = enum_column(DocumentKind, 32)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(Blob)
    created_at: Mapped[datetime]


class IndividualCredential(Base):
    """The end user's passcode (Argon2id), used later to confirm pending actions."""

    __tablename__ = "individual_credentials"

    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE"), primary_key=True
    )
    passcode_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebauthnCredential(Base):
    """A passkey enrolled by the end user."""

    __tablename__ = "webauthn_credentials"
    __table_args__ = (Index("ix_webauthn_credentials_individual_id", "individual_id"),)

    id: Mapped[uuid.UUID] = id_column()
    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individuals.id", ondelete="CASCADE")
    )
    # base64url of the raw credential id.
    credential_id: Mapped[str] = mapped_column(String(512), unique=True)
    public_key: Mapped[bytes] = mapped_column(Blob)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


load_data_key_with(OnboardingDraft, OnboardingDraft.individual_id)
load_data_key_with(PhoneVerification, PhoneVerification.individual_id)
load_data_key_with(OnboardingSubmission, OnboardingSubmission.individual_id)
load_data_key_with(Document, Document.individual_id)
