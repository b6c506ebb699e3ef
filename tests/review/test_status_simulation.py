"""POST /v3/simulations/onboarding/status goes through the same decision service."""

from __future__ import annotations

from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import AuditEntry
from gangway.services import Services
from tests.conftest import PartnerHandle, create_individual

PATH = "/v3/simulations/onboarding/status"


async def simulate(partner: PartnerHandle, individual_id: str, status: str):  # type: ignore[no-untyped-def]
    return await partner.http.post(PATH, json={"individual_id": individual_id, "status": status})


async def test_activate_a_submitted_individual(
    partner: PartnerHandle, submitted: dict, services: Services
) -> None:
    response = await simulate(partner, submitted["id"], "activated")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "activated"
    assert response.json()["id"] == submitted["id"]
    events = (await partner.http.get("/v3/events?name=IndividualActivated")).json()["data"]
    assert [e["payload"]["individual_id"] for e in events] == [submitted["id"]]
    async with transaction(services.read_sessions) as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "individual.approved")
        )
    assert entry is not None
    assert (entry.actor_type, entry.actor_id) == ("partner", partner.partner_id)


async def test_block_then_unblock_then_block(partner: PartnerHandle, submitted: dict) -> None:
    blocked = await simulate(partner, submitted["id"], "blocked")
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    event = (await partner.http.get("/v3/events?name=IndividualBlocked")).json()["data"][0]
    assert event["payload"]["reason"]  # a partner-safe text
    assert (await simulate(partner, submitted["id"], "activated")).json()["status"] == "activated"
    assert (await simulate(partner, submitted["id"], "blocked")).json()["status"] == "blocked"


async def test_statuses_that_do_not_allow_it_answer_request_blocked(
    partner: PartnerHandle, submitted: dict
) -> None:
    fresh = await create_individual(partner, email="fresh@example.com")
    response = await simulate(partner, fresh["id"], "activated")
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "request_blocked",
        "message": "The individual should have one of the following statuses: "
        "onboarding_data_provided, blocked",
    }
    assert (await simulate(partner, submitted["id"], "activated")).status_code == 200
    again = await simulate(partner, submitted["id"], "activated")
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "request_blocked"


async def test_another_partners_individual_is_not_found(
    other_partner: PartnerHandle, submitted: dict
) -> None:
    assert (await simulate(other_partner, submitted["id"], "activated")).status_code == 404
    assert (await simulate(other_partner, "not-a-uuid", "activated")).status_code == 404


async def test_bad_bodies_are_validation_errors(partner: PartnerHandle, submitted: dict) -> None:
    for body in (
        {"individual_id": submitted["id"], "status": "approved"},
        {"individual_id": submitted["id"]},
        {"individual_id": submitted["id"], "status": "activated", "extra": 1},
    ):
        response = await partner.http.post(PATH, json=body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"


async def test_needs_a_partner_token(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.post(PATH, json={"individual_id": "x", "status": "activated"})
    assert response.status_code == 401


async def test_not_available_in_live(app, database_url, clock) -> None:  # type: ignore[no-untyped-def]
    from gangway.app import create_app
    from tests.conftest import make_settings, new_partner

    live = create_app(
        make_settings(
            database_url,
            environment="live",
            public_url="https://testserver",
            sms_http_url="https://sms.example/send",
        ),
        clock=clock,
    )
    async with live.router.lifespan_context(live):
        handle = await new_partner(live, "Live Ltd")
        response = await handle.http.post(
            PATH,
            json={"individual_id": "9c017aec-c952-4713-aa10-11708cb0d11a", "status": "activated"},
        )
        assert response.status_code == 404
        await handle.http.aclose()
    await live.state.services.engine.dispose()


async def test_documented_in_the_openapi_schema(client) -> None:  # type: ignore[no-untyped-def]
    schema = (await client.get("/v3/openapi.json")).json()
    operation = schema["paths"][PATH]["post"]
    assert operation["operationId"] == "simulateOnboardingStatus"
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
