from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gangway.kit.timefmt import Timestamp
from gangway.models import Consent, ConsentStatus, ConsentType
from gangway.pending_actions.service import effective_status
from gangway.web.schemas import StrictInput


class ConsentOut(BaseModel):
    id: uuid.UUID
    type: ConsentType
    status: ConsentStatus
    individual_id: uuid.UUID
    expires_at: Timestamp | None
    created_at: Timestamp
    completed_at: Timestamp | None
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "2ca4f0b1-3d3e-4c51-8d7e-7f1f2a9c0b44",
                    "type": "identity_verification",
                    "status": "pending",
                    "individual_id": "5d54a8f2-8f0e-4f0a-a3c9-7c0b9e1d2f33",
                    "expires_at": "2024-02-22T12:49:56.000Z",
                    "created_at": "2024-02-15T12:49:56.000Z",
                    "completed_at": None,
                }
            ]
        }
    )

    @classmethod
    def of(cls, consent: Consent, now: datetime) -> ConsentOut:
        return cls(
            id=consent.id,
            type=ConsentType(consent.type),
            status=ConsentStatus(effective_status(consent, now)),
            individual_id=consent.individual_id,
            expires_at=consent.expires_at,
            created_at=consent.created_at,
            completed_at=consent.completed_at,
        )


class ConsentOpen(StrictInput):
    return_url: str | None = Field(
        default=None,
        max_length=2048,
        json_schema_extra={"format": "uri"},
        description="Where the browser goes when the user finishes or cancels (https).",
    )
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"return_url": "https://example.com/consent_callback"}]}
    )


class ConsentMethod(BaseModel):
    redirect_url: str
    token: str
    expires_at: Timestamp


class ConsentOpened(BaseModel):
    method: ConsentMethod
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "method": {
                        "redirect_url": "https://onboarding.example/flow/start?token=...",
                        "token": "Jk3...",
                        "expires_at": "2024-02-15T13:49:56.000Z",
                    }
                }
            ]
        }
    )
