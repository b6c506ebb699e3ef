from __future__ import annotations

import uuid

import pytest

from gangway.db.session import transaction
from gangway.events import service as events
from gangway.models import EventName
from tests.conftest import PartnerHandle, create_individual

# A valid payload (besides individual_id) for each event name, unless the test gives its own.
DEFAULT_EXTRA: dict[EventName, dict[str, object]] = {
    EventName.IndividualOnboardingDataProvided: {"status": "onboarding_data_provided"},
    EventName.IndividualActivated: {"status": "activated"},
    EventName.IndividualBlocked: {"status": "blocked", "reason": "Documents unreadable"},
    EventName.PendingActionCreated: {"pending_action_id": uuid.uuid4()},
    EventName.PendingActionCompleted: {"pending_action_id": uuid.uuid4()},
    EventName.PendingActionExpired: {"pending_action_id": uuid.uuid4()},
}


async def _record(app, partner: PartnerHandle, individual_id: str, name: EventName, **extra):  # type: ignore[no-untyped-def]
    extra = extra or DEFAULT_EXTRA[name]
    services = app.state.services
    async with transaction(services.sessions) as session:
        event = await events.record(
            session,
            partner_id=uuid.UUID(partner.partner_id),
            individual_id=uuid.UUID(individual_id),
            name=name,
            now=services.clock.now(),
            **extra,
        )
    return str(event.id)


async def test_recorded_event_is_readable_with_its_payload(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    individual = await create_individual(partner)
    event_id = await _record(
        app,
        partner,
        individual["id"],
        EventName.IndividualBlocked,
        status="blocked",
        reason="Documents unreadable",
    )
    response = await partner.http.get(f"/v3/events/{event_id}")
    assert response.status_code == 200
    assert response.json() == {
        "id": event_id,
        "name": "IndividualBlocked",
        "payload": {
            "individual_id": individual["id"],
            "status": "blocked",
            "reason": "Documents unreadable",
        },
        "created_at": "2026-03-02T09:30:00.000Z",
    }


async def test_event_rolled_back_with_its_transaction_does_not_exist(
    app, partner: PartnerHandle
) -> None:  # type: ignore[no-untyped-def]
    individual = await create_individual(partner)
    services = app.state.services
    with pytest.raises(RuntimeError):
        async with transaction(services.sessions) as session:
            await events.record(
                session,
                partner_id=uuid.UUID(partner.partner_id),
                individual_id=uuid.UUID(individual["id"]),
                name=EventName.IndividualActivated,
                now=services.clock.now(),
                status="activated",
            )
            raise RuntimeError("the state change failed")
    assert (await partner.http.get("/v3/events")).json()["data"] == []


async def test_events_filter_by_name_and_individual_and_paginate(
    app, partner: PartnerHandle, clock
) -> None:  # type: ignore[no-untyped-def]
    first = await create_individual(partner, email="one@example.com")
    second = await create_individual(partner, email="two@example.com")
    ids = []
    for individual, name in [
        (first, EventName.IndividualOnboardingDataProvided),
        (first, EventName.IndividualActivated),
        (second, EventName.IndividualOnboardingDataProvided),
        (second, EventName.IndividualBlocked),
    ]:
        clock.advance(seconds=1)
        ids.append(await _record(app, partner, individual["id"], name))
    everything = (await partner.http.get("/v3/events")).json()
    assert [e["id"] for e in everything["data"]] == list(reversed(ids))
    provided = (
        await partner.http.get("/v3/events", params={"name": "IndividualOnboardingDataProvided"})
    ).json()
    assert [e["id"] for e in provided["data"]] == [ids[2], ids[0]]
    of_first = (await partner.http.get("/v3/events", params={"individual_id": first["id"]})).json()
    assert [e["id"] for e in of_first["data"]] == [ids[1], ids[0]]
    page = (await partner.http.get("/v3/events", params={"limit": 3})).json()
    assert page["has_more"] is True
    rest = (
        await partner.http.get(
            "/v3/events", params={"limit": 3, "starting_after": page["data"][-1]["id"]}
        )
    ).json()
    assert [e["id"] for e in rest["data"]] == [ids[0]] and rest["has_more"] is False


@pytest.mark.parametrize(
    "params", [{"name": "SomethingHappened"}, {"individual_id": "x"}, {"limit": 500}]
)
async def test_events_reject_bad_filters(partner: PartnerHandle, params: dict) -> None:  # type: ignore[type-arg]
    response = await partner.http.get("/v3/events", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_another_partners_events_are_invisible(
    app, partner: PartnerHandle, other_partner: PartnerHandle
) -> None:  # type: ignore[no-untyped-def]
    individual = await create_individual(partner)
    event_id = await _record(app, partner, individual["id"], EventName.IndividualActivated)
    assert (await other_partner.http.get(f"/v3/events/{event_id}")).status_code == 404
    assert (await other_partner.http.get("/v3/events")).json()["data"] == []
    scoped = await other_partner.http.get("/v3/events", params={"individual_id": individual["id"]})
    assert scoped.json()["data"] == []
    assert (
        await other_partner.http.get("/v3/events", params={"starting_after": event_id})
    ).status_code == 404


async def test_a_payload_that_is_not_the_documented_one_is_refused(
    app, partner: PartnerHandle
) -> None:  # type: ignore[no-untyped-def]
    individual = await create_individual(partner)
    with pytest.raises(ValueError):
        await _record(app, partner, individual["id"], EventName.IndividualActivated, reason="x")
    with pytest.raises(ValueError):
        await _record(
            app, partner, individual["id"], EventName.IndividualActivated, status="activated", x=1
        )
    assert (await partner.http.get("/v3/events")).json()["data"] == []
