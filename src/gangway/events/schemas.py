from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from gangway.kit.timefmt import Timestamp
from gangway.models import EventName


class EventOut(BaseModel):
    id: uuid.UUID
    name: EventName
    payload: dict[str, Any]
    created_at: Timestamp
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "0d6f6a8e-4a1b-4a53-9d8e-5a3c1f0b7e21",
                    "name": "IndividualActivated",
                    "payload": {"individual_id": "9c017aec-c952-4713-aa10-11708cb0d11a"},
                    "created_at": "2025-06-08T14:09:15.000Z",
                }
            ]
        },
    )


class EventPage(BaseModel):
    data: list[EventOut]
    has_more: bool
