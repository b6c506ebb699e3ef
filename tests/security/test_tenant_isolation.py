"""The tenant-isolation matrix: partner B, with its own valid token, tries every operation of the
OpenAPI document on partner A's ids. Every answer must be 404 (never data, never a change), and
every list must come back without A's objects."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

import httpx

from gangway.db.session import transaction
from gangway.events import service as events
from gangway.models import EventName
from tests.conftest import PartnerHandle, create_individual
from tests.pending_actions.conftest import individual_in_status

PARAM = re.compile(r"\{([a-z_]+)\}")


async def _seed(app, partner: PartnerHandle) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One of everything for ``partner``; returns the ids by path-parameter name."""
    individual = await individual_in_status(app, partner, "activated")
    onboarding = await create_individual(partner, email="second@example.com")
    webhook = await partner.http.post("/v3/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert webhook.status_code == 201, webhook.text
    action = (
        await partner.http.post(
            f"/v3/simulations/individuals/{individual['id']}/identity_verification"
        )
    ).json()
    services = app.state.services
    async with transaction(services.sessions) as session:
        event = await events.record(
            session,
            partner_id=uuid.UUID(partner.partner_id),
            individual_id=uuid.UUID(individual["id"]),
            name=EventName.IndividualActivated,
            now=services.clock.now(),
            status="activated",
        )
    deliveries = (await partner.http.get(f"/v3/webhooks/{webhook.json()['id']}/deliveries")).json()
    assert deliveries["data"], "the event should have created a delivery"
    return {
        "individual_id": individual["id"],
        "onboarding_individual_id": onboarding["id"],
        "event_id": str(event.id),
        "webhook_id": webhook.json()["id"],
        "delivery_id": deliveries["data"][0]["id"],
        "pending_action_id": action["id"],
        "consent_id": action["payload"]["consent_id"],
    }


def _example_body(spec: dict[str, Any], operation: dict[str, Any], ids: dict[str, str]) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content.get("schema", {})
    ref = schema.get("$ref") or next(
        (s.get("$ref") for s in schema.get("anyOf", []) if "$ref" in s), None
    )
    body: Any = {}
    if ref:
        component = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        body = copy.deepcopy((component.get("examples") or [{}])[0])
    if isinstance(body, dict) and "individual_id" in body:
        body["individual_id"] = ids["individual_id"]
    return body


async def test_no_operation_reaches_another_partners_objects(
    app,
    partner: PartnerHandle,
    other_partner: PartnerHandle,  # type: ignore[no-untyped-def]
) -> None:
    ids = await _seed(app, partner)
    await _seed(app, other_partner)  # B has data too, so "empty" is not the only possible answer
    spec = (await other_partner.http.get("/v3/openapi.json")).json()
    checked = 0
    for path, methods in spec["paths"].items():
        if path.startswith("/v3/auth/"):
            continue
        for method, operation in methods.items():
            names = PARAM.findall(path)
            concrete = path
            for name in names:
                concrete = concrete.replace("{" + name + "}", ids[name])
            body = _example_body(spec, operation, ids)
            response = await other_partner.http.request(
                method.upper(), concrete, json=body if body is not None else None
            )
            leaked = [value for value in ids.values() if value in response.text]
            if names or (body and "individual_id" in body):
                assert response.status_code == 404, (
                    method,
                    path,
                    response.status_code,
                    response.text,
                )
            else:
                assert response.status_code < 500, (method, path, response.text)
            assert not leaked, (method, path, leaked)
            checked += 1
    assert checked >= 20, checked
    # Nothing of A's changed: its objects read back as before, from A's own token.
    assert (await partner.http.get(f"/v3/individuals/{ids['individual_id']}")).json()[
        "status"
    ] == "activated"
    assert (await partner.http.get(f"/v3/pending_actions/{ids['pending_action_id']}")).json()[
        "status"
    ] == "pending"
    assert (await partner.http.get(f"/v3/webhooks/{ids['webhook_id']}")).status_code == 200


async def test_a_token_of_no_partner_gets_401_everywhere(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    ids = await _seed(app, partner)
    spec = (await partner.http.get("/v3/openapi.json")).json()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        for path, methods in spec["paths"].items():
            if path.startswith("/v3/auth/"):
                continue
            for method in methods:
                concrete = PARAM.sub(lambda m: ids[m.group(1)], path)
                response = await anonymous.request(method.upper(), concrete)
                assert response.status_code == 401, (method, path, response.status_code)
