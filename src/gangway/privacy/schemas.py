from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from gangway.kit.timefmt import Timestamp
from gangway.models import RedactionReason, RedactionStatus
from gangway.web.schemas import StrictInput


class RedactIn(StrictInput):
    reason: RedactionReason = Field(
        default=RedactionReason.data_subject_request,
        description="Why the erasure is asked for; kept in the audit log.",
    )


class RedactionOut(BaseModel):
    """An erasure request: `completed` at once for an individual who never submitted the
    onboarding, else `pending` under the provider's retention hold until `due_at`."""

    individual_id: uuid.UUID
    status: RedactionStatus
    reason: RedactionReason
    requested_at: Timestamp
    due_at: Timestamp = Field(
        description="When the erasure happens at the latest (the end of the retention hold)."
    )
    completed_at: Timestamp | None = None
