from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from gangway.kit.timefmt import Timestamp
from gangway.models import ConsentStatus, PendingAction, PendingActionType
from gangway.pending_actions.service import effective_status


class PendingActionPayload(BaseModel):
    consent_id: uuid.UUID
    individual_id: uuid.UUID


class PendingActionOut(BaseModel):
    id: uuid.UUID
    type: PendingActionType
    description: str
    payload: PendingActionPayload
    status: ConsentStatus
    expires_at: Timestamp | None
    created_at: Timestamp
    completed_at: Timestamp | None
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "b46c3c8e-6f55-4a77-9a43-0e4c0d2b7a11",
                    "type": "IdentityVerification",
                    "description": "Please verify your identity. We kindly ask that you complete this verification at your earliest convenience.",
                    "payload": {
                        "consent_id": "2ca4f0b1-3d3e-4c51-8d7e-7f1f2a9c0b44",
                        "individual_id": "5d54a8f2-8f0e-4f0a-a3c9-7c0b9e1d2f33",
                    },
                    "status": "pending",
                    "expires_at": "2024-02-22T12:49:56.000Z",
                    "created_at": "2024-02-15T12:49:56.000Z",
                    "completed_at": None,
                }
            ]
        }
    )

    @classmethod
    def of(cls, action: PendingAction, now: datetime) -> PendingActionOut:
        return cls(
            id=action.id,
            type=PendingActionType(action.type),
            description=action.description,
            payload=PendingActionPayload(
                consent_id=action.consent_id, individual_id=action.individual_id
            ),
            status=ConsentStatus(effective_status(action, now)),
            expires_at=action.expires_at,
            created_at=action.created_at,
            completed_at=action.completed_at,
        )


class PendingActionPage(BaseModel):
    data: list[PendingActionOut]
    has_more: bool
