"""Events on the wire: one payload model per event name, and the event as ``GET /v3/events`` and
a webhook delivery show it (``{id, name, created_at, payload}``, a union discriminated by
``name``). ``events.service.record`` validates every payload against these models, so what is
documented is exactly what is stored and delivered."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gangway.kit.timefmt import Timestamp
from gangway.models import EventName, IndividualStatus

EXAMPLE_EVENT_ID = "0d6f6a8e-4a1b-4a53-9d8e-5a3c1f0b7e21"
EXAMPLE_INDIVIDUAL_ID = "9c017aec-c952-4713-aa10-11708cb0d11a"
EXAMPLE_PENDING_ACTION_ID = "b46c2c1e-3d59-4f7a-9a7e-2a1f4f0c9d31"
EXAMPLE_CREATED_AT = "2025-06-08T14:09:15.000Z"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    individual_id: uuid.UUID = Field(description="The individual the event is about.")


class IndividualStatusPayload(_Payload):
    """An individual's status changed (submitted, approved or unblocked)."""

    status: IndividualStatus = Field(description="The individual's new status.")


class IndividualBlockedPayload(IndividualStatusPayload):
    """An individual was rejected or blocked."""

    status: IndividualStatus = Field(description="The individual's new status (`blocked`).")
    reason: str = Field(
        description="Why, in words that can be shown to the partner (never tips off the user)."
    )


class PendingActionEventPayload(_Payload):
    """A pending action was raised, completed or expired."""

    pending_action_id: uuid.UUID = Field(description="Read it with `GET /v3/pending_actions/{id}`.")


class IndividualRedactedPayload(_Payload):
    """An individual's personal data was erased; the individual stays as a tombstone."""

    redacted_at: Timestamp = Field(description="When the data key was destroyed.")


PAYLOADS: dict[EventName, type[_Payload]] = {
    EventName.IndividualOnboardingDataProvided: IndividualStatusPayload,
    EventName.IndividualActivated: IndividualStatusPayload,
    EventName.IndividualBlocked: IndividualBlockedPayload,
    EventName.PendingActionCreated: PendingActionEventPayload,
    EventName.PendingActionCompleted: PendingActionEventPayload,
    EventName.PendingActionExpired: PendingActionEventPayload,
    EventName.IndividualRedacted: IndividualRedactedPayload,
}

DESCRIPTIONS: dict[EventName, str] = {
    EventName.IndividualOnboardingDataProvided: "The user submitted the onboarding flow "
    "(status `onboarding_data_provided`).",
    EventName.IndividualActivated: "The individual was approved, or unblocked (status "
    "`activated`).",
    EventName.IndividualBlocked: "The individual was rejected or blocked (status `blocked`), "
    "with a partner-safe `reason`.",
    EventName.PendingActionCreated: "A pending action was raised; read it with "
    "`GET /v3/pending_actions/{id}`.",
    EventName.PendingActionCompleted: "The user finished the pending action's flow.",
    EventName.PendingActionExpired: "The pending action passed its `expires_at` unfinished.",
    EventName.IndividualRedacted: "The individual's personal data was erased (after "
    "`POST /v3/individuals/{id}/redact`, at once or when the retention hold ended); `GET` now "
    "answers with its personal fields `null`.",
}

_EXAMPLE_PAYLOADS: dict[EventName, dict[str, Any]] = {
    EventName.IndividualOnboardingDataProvided: {
        "individual_id": EXAMPLE_INDIVIDUAL_ID,
        "status": "onboarding_data_provided",
    },
    EventName.IndividualActivated: {"individual_id": EXAMPLE_INDIVIDUAL_ID, "status": "activated"},
    EventName.IndividualBlocked: {
        "individual_id": EXAMPLE_INDIVIDUAL_ID,
        "status": "blocked",
        "reason": "We could not verify the identity of the individual.",
    },
    EventName.IndividualRedacted: {
        "individual_id": EXAMPLE_INDIVIDUAL_ID,
        "redacted_at": "2031-06-08T14:09:15.000Z",
    },
    **{
        name: {
            "individual_id": EXAMPLE_INDIVIDUAL_ID,
            "pending_action_id": EXAMPLE_PENDING_ACTION_ID,
        }
        for name in (
            EventName.PendingActionCreated,
            EventName.PendingActionCompleted,
            EventName.PendingActionExpired,
        )
    },
}


def validated_payload(name: EventName, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` checked against the model of ``name`` (a wrong field is a bug: it raises)."""
    return PAYLOADS[name].model_validate(payload).model_dump(mode="json")


def example_event(name: EventName) -> dict[str, Any]:
    return {
        "id": EXAMPLE_EVENT_ID,
        "name": name.value,
        "created_at": EXAMPLE_CREATED_AT,
        "payload": _EXAMPLE_PAYLOADS[name],
    }


class _Event(BaseModel):
    id: uuid.UUID = Field(description="Also the `webhook-id` of its deliveries.")
    created_at: Timestamp
    model_config = ConfigDict(from_attributes=True)


def _example(name: EventName) -> ConfigDict:
    return ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [example_event(name)], "description": DESCRIPTIONS[name]},
    )


class IndividualOnboardingDataProvided(_Event):
    name: Literal[EventName.IndividualOnboardingDataProvided]
    payload: IndividualStatusPayload
    model_config = _example(EventName.IndividualOnboardingDataProvided)


class IndividualActivated(_Event):
    name: Literal[EventName.IndividualActivated]
    payload: IndividualStatusPayload
    model_config = _example(EventName.IndividualActivated)


class IndividualBlocked(_Event):
    name: Literal[EventName.IndividualBlocked]
    payload: IndividualBlockedPayload
    model_config = _example(EventName.IndividualBlocked)


class PendingActionCreated(_Event):
    name: Literal[EventName.PendingActionCreated]
    payload: PendingActionEventPayload
    model_config = _example(EventName.PendingActionCreated)


class PendingActionCompleted(_Event):
    name: Literal[EventName.PendingActionCompleted]
    payload: PendingActionEventPayload
    model_config = _example(EventName.PendingActionCompleted)


class PendingActionExpired(_Event):
    name: Literal[EventName.PendingActionExpired]
    payload: PendingActionEventPayload
    model_config = _example(EventName.PendingActionExpired)


class IndividualRedacted(_Event):
    name: Literal[EventName.IndividualRedacted]
    payload: IndividualRedactedPayload
    model_config = _example(EventName.IndividualRedacted)


EVENT_MODELS: dict[EventName, type[_Event]] = {
    EventName.IndividualOnboardingDataProvided: IndividualOnboardingDataProvided,
    EventName.IndividualActivated: IndividualActivated,
    EventName.IndividualBlocked: IndividualBlocked,
    EventName.PendingActionCreated: PendingActionCreated,
    EventName.PendingActionCompleted: PendingActionCompleted,
    EventName.PendingActionExpired: PendingActionExpired,
    EventName.IndividualRedacted: IndividualRedacted,
}

EventOut = Annotated[
    IndividualOnboardingDataProvided
    | IndividualActivated
    | IndividualBlocked
    | PendingActionCreated
    | PendingActionCompleted
    | PendingActionExpired
    | IndividualRedacted,
    Field(discriminator="name"),
]


def event_out(event: Any) -> _Event:
    """The wire model of a stored ``Event`` row (or anything with its attributes)."""
    return EVENT_MODELS[EventName(event.name)].model_validate(event)


class EventPage(BaseModel):
    data: list[EventOut]
    has_more: bool


_SIGNATURE_HEADERS: dict[str, dict[str, Any]] = {
    "webhook-id": {
        "description": "The event id: the same on every retry and every endpoint; deduplicate "
        "by it.",
        "schema": {"type": "string", "format": "uuid"},
        "example": EXAMPLE_EVENT_ID,
    },
    "webhook-timestamp": {
        "description": "Unix seconds of this attempt; refuse it when far from your clock.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "example": "1749391755",
    },
    "webhook-signature": {
        "description": 'Space-separated `v1,<base64(HMAC-SHA256(key, "{webhook-id}.'
        '{webhook-timestamp}.{raw body}"))>`; the endpoint secret is `whsec_<base64(key)>`. '
        "During a rotation both secrets sign. Verify with a Standard Webhooks library.",
        "schema": {"type": "string"},
        "example": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    },
}


def webhooks_section(components: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 ``webhooks``: one ``POST`` per event name, its body the event as
    delivered (``webhooks.delivery.event_body``) with the Standard Webhooks headers. The event
    schemas are added to ``components`` (the same ones ``GET /v3/events`` answers)."""
    from pydantic.json_schema import models_json_schema

    _, definitions = models_json_schema(
        [(model, "serialization") for model in EVENT_MODELS.values()],
        ref_template="#/components/schemas/{model}",
    )
    schemas = components.setdefault("schemas", {})
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    parameters = [
        {"name": header, "in": "header", "required": True, **spec}
        for header, spec in _SIGNATURE_HEADERS.items()
    ]
    section: dict[str, Any] = {}
    for name, model in EVENT_MODELS.items():
        section[name.value] = {
            "post": {
                "summary": name.value,
                "description": DESCRIPTIONS[name]
                + "\n\nDelivered at least once to every enabled endpoint subscribed to it; "
                "answer any 2xx to acknowledge. Anything else is retried.",
                "operationId": f"webhook{name.value}",
                "tags": ["Webhook events"],
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{model.__name__}"},
                            "example": example_event(name),
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Acknowledged; the delivery succeeded."},
                    "410": {"description": "Gone: the endpoint is disabled at once."},
                    "default": {"description": "Any other answer is a failure, retried later."},
                },
            }
        }
    return section
