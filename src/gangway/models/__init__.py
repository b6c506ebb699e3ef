"""Every table, imported in one place: Alembic's single entry point to the metadata."""

from gangway.models.base import Base
from gangway.models.event import Event, EventName
from gangway.models.idempotency import IdempotencyRecord
from gangway.models.individual import Individual, IndividualStatus
from gangway.models.partner import ApiKey, AuthSession, Partner, RefreshToken

__all__ = [
    "ApiKey",
    "AuthSession",
    "Base",
    "Event",
    "EventName",
    "IdempotencyRecord",
    "Individual",
    "IndividualStatus",
    "Partner",
    "RefreshToken",
]
