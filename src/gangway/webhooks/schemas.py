from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from gangway.kit.timefmt import Timestamp
from gangway.models import DeliveryStatus, EndpointStatus, EventName
from gangway.web.schemas import StrictInput, without_null
from gangway.webhooks.targets import MAX_URL_LENGTH

WebhookUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH),
    Field(
        description="Where to POST events: an absolute `https` URL that resolves to a public "
        "address.",
        examples=["https://example.com/webhooks/gangway"],
        json_schema_extra={"format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
    ),
]
EventList = Annotated[
    list[EventName],
    Field(
        max_length=len(EventName) * 2,
        description="Event names to receive; omitted or empty means every event.",
    ),
]

ENDPOINT_EXAMPLE: dict[str, Any] = {
    "id": "5b0c7a52-3f9e-4d1b-a6f1-0f3f1e2d8c11",
    "url": "https://example.com/webhooks/gangway",
    "events": ["IndividualActivated", "IndividualBlocked"],
    "status": "enabled",
    "disabled_reason": None,
    "created_at": "2025-06-08T14:09:15.000Z",
    "updated_at": "2025-06-08T14:09:15.000Z",
}
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _timestamp_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("Give an ISO-8601 timestamp, e.g. 2025-06-08T00:00:00Z.")
    return value


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class WebhookCreate(StrictInput):
    url: WebhookUrl
    events: EventList | None = None
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"url": "https://example.com/webhooks/gangway", "events": ["IndividualActivated"]}
            ]
        }
    )


class WebhookPatch(StrictInput):
    """Only the fields given change. `status: disabled` stops new deliveries."""

    url: WebhookUrl | None = None
    events: EventList | None = None
    status: Literal["enabled", "disabled"] | None = None
    model_config = ConfigDict(
        json_schema_extra=without_null("url", "events", "status", examples=[{"status": "disabled"}])
    )

    @model_validator(mode="after")
    def _no_nulls(self) -> WebhookPatch:
        for name in ("url", "events", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it unchanged")
        return self

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RecoverRequest(StrictInput):
    since: Annotated[
        datetime,
        BeforeValidator(_timestamp_text),
        AfterValidator(_aware),
        Field(description="Re-queue failed deliveries of events created at or after this time."),
    ]
    model_config = ConfigDict(json_schema_extra={"examples": [{"since": "2025-06-08T00:00:00Z"}]})


class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[EventName] = Field(description="Empty means every event.")
    status: EndpointStatus
    disabled_reason: str | None = Field(
        default=None,
        description="`partner` (by PATCH), `gone` (the receiver answered 410) or `failing` "
        "(every delivery failed for 5 days); `null` when enabled.",
    )
    created_at: Timestamp
    updated_at: Timestamp
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [ENDPOINT_EXAMPLE]}
    )


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="The signing secret, shown only in this response.")
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**ENDPOINT_EXAMPLE, "secret": SECRET_EXAMPLE}]}
    )


class WebhookPage(BaseModel):
    data: list[WebhookOut]
    has_more: bool


class AttemptOut(BaseModel):
    attempted_at: Timestamp
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    response_body: str | None = Field(description="The first 1 KiB of the response body.")
    model_config = ConfigDict(from_attributes=True)


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_name: EventName
    status: DeliveryStatus
    attempt_count: int = Field(description="Attempts in the current retry schedule.")
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    last_status_code: int | None
    last_error: str | None
    created_at: Timestamp
    attempts: list[AttemptOut] = Field(description="The most recent attempts, newest first.")
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "c1f9d5b4-8a43-4b55-9d0a-7f7d3c1e2b90",
                    "event_id": "0d6f6a8e-4a1b-4a53-9d8e-5a3c1f0b7e21",
                    "event_name": "IndividualActivated",
                    "status": "succeeded",
                    "attempt_count": 2,
                    "next_attempt_at": None,
                    "delivered_at": "2025-06-08T14:09:20.512Z",
                    "last_status_code": 200,
                    "last_error": None,
                    "created_at": "2025-06-08T14:09:15.000Z",
                    "attempts": [
                        {
                            "attempted_at": "2025-06-08T14:09:20.480Z",
                            "succeeded": True,
                            "status_code": 200,
                            "error": None,
                            "duration_ms": 32,
                            "response_body": "ok",
                        },
                        {
                            "attempted_at": "2025-06-08T14:09:15.004Z",
                            "succeeded": False,
                            "status_code": 503,
                            "error": "HTTP 503",
                            "duration_ms": 12,
                            "response_body": "busy",
                        },
                    ],
                }
            ]
        },
    )


class DeliveryPage(BaseModel):
    data: list[DeliveryOut]
    has_more: bool


class RecoverOut(BaseModel):
    requeued: int = Field(description="How many failed deliveries were queued again.")
