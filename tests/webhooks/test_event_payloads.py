"""Every event's payload has exactly its documented fields, in ``GET /v3/events`` and in the
webhook a real receiver gets; the same fields as the OpenAPI document's ``webhooks`` section.

The events come from the real paths (sandbox simulations through the decision and onboarding
services, the pending-action expiry job), not from ``events.record`` called by hand.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from gangway.db.session import transaction
from gangway.events.schemas import PAYLOADS
from gangway.models import EventName, WebhookDelivery
from gangway.pending_actions import service as pending_actions
from gangway.privacy import service as privacy
from tests.conftest import PartnerHandle, create_individual
from tests.webhooks.conftest import Receiver, create_endpoint, deliver

DOCUMENTED = {
    EventName.IndividualOnboardingDataProvided: {"individual_id", "status"},
    EventName.IndividualActivated: {"individual_id", "status"},
    EventName.IndividualBlocked: {"individual_id", "status", "reason"},
    EventName.PendingActionCreated: {"individual_id", "pending_action_id"},
    EventName.PendingActionCompleted: {"individual_id", "pending_action_id"},
    EventName.PendingActionExpired: {"individual_id", "pending_action_id"},
    EventName.IndividualRedacted: {"individual_id", "redacted_at"},
}
STATUS_OF = {
    EventName.IndividualOnboardingDataProvided: "onboarding_data_provided",
    EventName.IndividualActivated: "activated",
    EventName.IndividualBlocked: "blocked",
}


def test_the_payload_models_are_the_documented_fields() -> None:
    assert set(PAYLOADS) == set(EventName) == set(DOCUMENTED)
    for name, model in PAYLOADS.items():
        assert set(model.model_fields) == DOCUMENTED[name], name


async def _every_event(partner: PartnerHandle, services, clock) -> str:  # type: ignore[no-untyped-def]
    individual = await create_individual(partner)
    post = partner.http.post
    assert (await post(f"/v3/individuals/{individual['id']}/onboard")).status_code == 200
    kyc = await post("/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]})
    assert kyc.status_code == 200, kyc.text
    for status in ("blocked", "activated"):
        response = await post(
            "/v3/simulations/onboarding/status",
            json={"individual_id": individual["id"], "status": status},
        )
        assert response.status_code == 200, response.text
    simulations = f"/v3/simulations/individuals/{individual['id']}"
    completed = (await post(f"{simulations}/identity_verification")).json()
    response = await post(f"/v3/simulations/pending_actions/{completed['id']}/complete")
    assert response.status_code == 200, response.text
    await post(f"{simulations}/proof_of_address_verification")
    async with transaction(services.sessions) as session:  # the expiry job, eight days on
        assert await pending_actions.expire_due(session, clock.now() + timedelta(days=8)) == 1
    assert (await post(f"/v3/individuals/{individual['id']}/redact", json={})).status_code == 202
    held = timedelta(days=services.settings.redaction_retention_days + 1)
    async with transaction(services.sessions) as session:  # the erasure job, after the hold
        assert await privacy.complete_due(session, clock.now() + held) == 1
    return str(individual["id"])


async def test_each_event_has_exactly_its_documented_payload_in_the_api_and_the_webhook(
    services, partner: PartnerHandle, receiver: Receiver, clock
) -> None:  # type: ignore[no-untyped-def]
    endpoint = await create_endpoint(partner, receiver.url)
    individual_id = await _every_event(partner, services, clock)

    response = await partner.http.get("/v3/events", params={"limit": 100})
    assert response.status_code == 200, response.text
    listed = response.json()["data"]
    assert {EventName(e["name"]) for e in listed} == set(EventName)
    for event in listed:
        name = EventName(event["name"])
        assert set(event) == {"id", "name", "created_at", "payload"}
        assert set(event["payload"]) == DOCUMENTED[name], name
        assert event["payload"]["individual_id"] == individual_id
        if name in STATUS_OF:
            assert event["payload"]["status"] == STATUS_OF[name]
        assert (await partner.http.get(f"/v3/events/{event['id']}")).json() == event

    document = (await partner.http.get("/v3/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert set(document["webhooks"]) == {name.value for name in EventName}
    for name in EventName:
        operation = document["webhooks"][name.value]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        event_schema = schemas[ref.rsplit("/", 1)[1]]
        payload_ref = event_schema["properties"]["payload"]["$ref"]
        payload_schema = schemas[payload_ref.rsplit("/", 1)[1]]
        assert set(payload_schema["properties"]) == DOCUMENTED[name], name
        assert set(payload_schema["required"]) == DOCUMENTED[name], name

    async with transaction(services.read_sessions) as session:
        deliveries = list(await session.scalars(select(WebhookDelivery.id)))
    assert len(deliveries) == len(listed)
    for delivery_id in deliveries:
        await deliver(services, delivery_id)
    received = await receiver.wait_for(len(listed))
    by_id = {event["id"]: event for event in listed}
    for request in received:
        delivered = Webhook(endpoint["secret"]).verify(request.body, request.headers)
        assert delivered == by_id[request.headers["webhook-id"]]
