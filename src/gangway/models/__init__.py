"""Every table, imported in one place: Alembic's single entry point to the metadata."""

from gangway.models.audit import ActorType, AuditEntry
from gangway.models.base import Base
from gangway.models.branding import PartnerBranding
from gangway.models.consent import (
    CONSENT_FOR_ACTION,
    Consent,
    ConsentProgress,
    ConsentStatus,
    ConsentType,
    PendingAction,
    PendingActionType,
)
from gangway.models.event import Event, EventName
from gangway.models.idempotency import IdempotencyRecord
from gangway.models.individual import Individual, IndividualStatus
from gangway.models.keys import (
    DataKey,
    KeyEncryptionKey,
    RedactionReason,
    RedactionRequest,
    RedactionStatus,
)
from gangway.models.onboarding import (
    Document,
    DocumentKind,
    FlowSession,
    IndividualCredential,
    OnboardingDraft,
    OnboardingLink,
    OnboardingSubmission,
    PhoneVerification,
    WebauthnCredential,
)
from gangway.models.partner import ApiKey, AuthSession, Partner, RefreshToken
from gangway.models.screening import IdentityFingerprint, SanctionsEntry
from gangway.models.shared_limit import SharedLimit
from gangway.models.staff import (
    StaffPasskey,
    StaffRecoveryCode,
    StaffRole,
    StaffSession,
    StaffUser,
)
from gangway.models.verification import VerificationRun, VerificationStatus
from gangway.models.webhook import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "CONSENT_FOR_ACTION",
    "ActorType",
    "ApiKey",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Consent",
    "ConsentProgress",
    "ConsentStatus",
    "ConsentType",
    "DataKey",
    "DeliveryStatus",
    "Document",
    "DocumentKind",
    "EndpointStatus",
    "Event",
    "EventName",
    "FlowSession",
    "IdempotencyRecord",
    "IdentityFingerprint",
    "Individual",
    "IndividualCredential",
    "IndividualStatus",
    "KeyEncryptionKey",
    "OnboardingDraft",
    "OnboardingLink",
    "OnboardingSubmission",
    "Partner",
    "PartnerBranding",
    "PendingAction",
    "PendingActionType",
    "PhoneVerification",
    "RedactionReason",
    "RedactionRequest",
    "RedactionStatus",
    "RefreshToken",
    "SanctionsEntry",
    "SharedLimit",
    "StaffPasskey",
    "StaffRecoveryCode",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "VerificationRun",
    "VerificationStatus",
    "WebauthnCredential",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
