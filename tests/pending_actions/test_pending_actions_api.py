from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.kit.timefmt import iso_millis
from gangway.pending_actions.service import expire_due
from tests.conftest import START, PartnerHandle, create_individual
from tests.pending_actions.conftest import individual_in_status

IDV = "/v3/simulations/individuals/{}/identity_verification"
POA = "/v3/simulations/individuals/{}/proof_of_address_verification"


async def _raise(partner: PartnerHandle, individual_id: str, path: str = IDV) -> dict:  # type: ignore[type-arg]
    response = await partner.http.post(path.format(individual_id))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("status", ["onboarding_data_provided", "activated", "blocked"])
async def test_simulation_raises_identity_verification(
    app, partner: PartnerHandle, status: str
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, status)
    action = await _raise(partner, individual["id"])
    assert action["type"] == "IdentityVerification"
    assert action["status"] == "pending"
    assert action["description"].startswith("Please verify your identity.")
    assert action["payload"]["individual_id"] == individual["id"]
    assert action["created_at"] == iso_millis(START)
    assert action["expires_at"] == iso_millis(START + timedelta(days=7))
    assert action["completed_at"] is None
    consent = (await partner.http.get(f"/v3/consents/{action['payload']['consent_id']}")).json()
    assert consent == {
        "id": action["payload"]["consent_id"],
        "type": "identity_verification",
        "status": "pending",
        "individual_id": individual["id"],
        "expires_at": action["expires_at"],
        "created_at": action["created_at"],
        "completed_at": None,
    }


async def test_proof_of_address_has_its_own_type_and_consent(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, "activated")
    action = await _raise(partner, individual["id"], POA)
    assert action["type"] == "ProofOfAddressVerification"
    consent = (await partner.http.get(f"/v3/consents/{action['payload']['consent_id']}")).json()
    assert consent["type"] == "proof_of_address_verification"


@pytest.mark.parametrize("status", ["pending_activation", "onboarding_requested"])
async def test_simulation_needs_a_submitted_individual(
    app, partner: PartnerHandle, status: str
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, status)
    for path in (IDV, POA):
        response = await partner.http.post(path.format(individual["id"]))
        assert response.status_code == 422
        assert response.json()["error"] == {
            "code": "request_blocked",
            "message": "The individual should have one of the following statuses: "
            "onboarding_data_provided, activated, blocked",
        }


async def test_created_event_announces_the_action_and_filters_find_it(
    app, partner: PartnerHandle
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, "activated")
    action = await _raise(partner, individual["id"])
    events = (await partner.http.get("/v3/events", params={"name": "PendingActionCreated"})).json()[
        "data"
    ]
    assert len(events) == 1
    assert events[0]["payload"] == {
        "individual_id": individual["id"],
        "pending_action_id": action["id"],
    }
    found = (
        await partner.http.get("/v3/pending_actions", params={"event_id": events[0]["id"]})
    ).json()
    assert [a["id"] for a in found["data"]] == [action["id"]]
    assert (await partner.http.get(f"/v3/pending_actions/{action['id']}")).json() == action


async def test_list_filters_and_pagination(app, partner: PartnerHandle, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    first = await individual_in_status(app, partner, "activated", email="a@example.com")
    second = await individual_in_status(app, partner, "blocked", email="b@example.com")
    ids = []
    for individual in (first, second, first):
        clock.advance(seconds=1)
        ids.append((await _raise(partner, individual["id"]))["id"])
    done = await partner.http.post(f"/v3/simulations/pending_actions/{ids[0]}/complete")
    assert done.status_code == 200
    everything = (await partner.http.get("/v3/pending_actions")).json()
    assert [a["id"] for a in everything["data"]] == list(reversed(ids))
    of_first = (
        await partner.http.get("/v3/pending_actions", params={"individual_id": first["id"]})
    ).json()
    assert [a["id"] for a in of_first["data"]] == [ids[2], ids[0]]
    completed = (await partner.http.get("/v3/pending_actions", params={"completed": "true"})).json()
    assert [a["id"] for a in completed["data"]] == [ids[0]]
    open_ = (await partner.http.get("/v3/pending_actions", params={"completed": "false"})).json()
    assert [a["id"] for a in open_["data"]] == [ids[2], ids[1]]
    page = (await partner.http.get("/v3/pending_actions", params={"limit": 2})).json()
    assert page["has_more"] is True
    rest = (
        await partner.http.get(
            "/v3/pending_actions", params={"limit": 2, "starting_after": page["data"][-1]["id"]}
        )
    ).json()
    assert [a["id"] for a in rest["data"]] == [ids[0]] and rest["has_more"] is False


@pytest.mark.parametrize(
    "params", [{"completed": "maybe"}, {"individual_id": "x"}, {"event_id": "1"}, {"limit": 0}]
)
async def test_list_rejects_bad_filters(partner: PartnerHandle, params: dict) -> None:  # type: ignore[type-arg]
    response = await partner.http.get("/v3/pending_actions", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_complete_simulation_emits_completed_once(
    app, partner: PartnerHandle, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, "onboarding_data_provided")
    action = await _raise(partner, individual["id"])
    clock.advance(minutes=10)
    done = await partner.http.post(f"/v3/simulations/pending_actions/{action['id']}/complete")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    assert done.json()["completed_at"] == iso_millis(START + timedelta(minutes=10))
    consent = (await partner.http.get(f"/v3/consents/{action['payload']['consent_id']}")).json()
    assert (
        consent["status"] == "completed" and consent["completed_at"] == done.json()["completed_at"]
    )
    again = await partner.http.post(f"/v3/simulations/pending_actions/{action['id']}/complete")
    assert again.status_code == 422
    assert (
        again.json()["error"]["message"]
        == "The pending action should have one of the following statuses: pending"
    )
    completed_events = (
        await partner.http.get("/v3/events", params={"name": "PendingActionCompleted"})
    ).json()["data"]
    assert [e["payload"] for e in completed_events] == [
        {"individual_id": individual["id"], "pending_action_id": action["id"]}
    ]


async def test_overdue_actions_expire_with_their_consents(
    app, partner: PartnerHandle, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, "activated")
    action = await _raise(partner, individual["id"])
    consent_id = action["payload"]["consent_id"]
    clock.advance(days=7)
    await partner.login()
    # Past expires_at, readers see it expired even before the job has run ...
    assert (await partner.http.get(f"/v3/pending_actions/{action['id']}")).json()[
        "status"
    ] == "expired"
    late = await partner.http.post(f"/v3/simulations/pending_actions/{action['id']}/complete")
    assert late.status_code == 422
    opened = await partner.http.post(f"/v3/consents/{consent_id}")
    assert opened.status_code == 422 and opened.json()["error"]["code"] == "request_blocked"
    # ... and the job records it, once, with the event.
    services = app.state.services
    async with transaction(services.sessions) as session:
        assert await expire_due(session, clock.now()) == 1
    async with transaction(services.sessions) as session:
        assert await expire_due(session, clock.now()) == 0
    expired = (
        await partner.http.get("/v3/events", params={"name": "PendingActionExpired"})
    ).json()["data"]
    assert [e["payload"]["pending_action_id"] for e in expired] == [action["id"]]
    assert (await partner.http.get(f"/v3/consents/{consent_id}")).json()["status"] == "expired"


async def test_unexpired_actions_are_left_alone_by_the_job(
    app, partner: PartnerHandle, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    individual = await individual_in_status(app, partner, "activated")
    await _raise(partner, individual["id"])
    clock.advance(days=6, hours=23)
    async with transaction(app.state.services.sessions) as session:
        assert await expire_due(session, clock.now()) == 0


async def test_another_partners_actions_and_consents_are_404(
    app,
    partner: PartnerHandle,
    other_partner: PartnerHandle,  # type: ignore[no-untyped-def]
) -> None:
    individual = await individual_in_status(app, partner, "activated")
    action = await _raise(partner, individual["id"])
    consent_id = action["payload"]["consent_id"]
    for response in (
        await other_partner.http.get(f"/v3/pending_actions/{action['id']}"),
        await other_partner.http.get(f"/v3/consents/{consent_id}"),
        await other_partner.http.post(f"/v3/consents/{consent_id}"),
        await other_partner.http.post(f"/v3/simulations/pending_actions/{action['id']}/complete"),
        await other_partner.http.post(IDV.format(individual["id"])),
    ):
        assert response.status_code == 404, response.text
    assert (await other_partner.http.get("/v3/pending_actions")).json()["data"] == []
    scoped = await other_partner.http.get(
        "/v3/pending_actions", params={"individual_id": individual["id"]}
    )
    assert scoped.json()["data"] == []
    # still pending for its owner
    assert (await partner.http.get(f"/v3/pending_actions/{action['id']}")).json()[
        "status"
    ] == "pending"


async def test_unknown_ids_are_404(partner: PartnerHandle) -> None:
    for path in (
        f"/v3/pending_actions/{uuid.uuid4()}",
        "/v3/pending_actions/nope",
        f"/v3/consents/{uuid.uuid4()}",
        "/v3/consents/..%2F..%2Fetc",
    ):
        assert (await partner.http.get(path)).status_code == 404, path


async def test_simulations_are_404_in_live(database_url: str) -> None:
    import httpx

    from gangway.app import create_app
    from tests.conftest import make_settings, new_partner

    app = create_app(
        make_settings(
            database_url,
            environment="live",
            public_url="https://testserver",
            sms_http_url="https://sms.example/send",
        )
    )
    async with app.router.lifespan_context(app):
        partner = await new_partner(app)
        individual = await create_individual(partner)
        response = await partner.http.post(IDV.format(individual["id"]))
        assert response.status_code == 404
        await partner.http.aclose()
    assert isinstance(partner.http, httpx.AsyncClient)
