"""The /v3/webhooks API: every endpoint, validation errors and tenant isolation."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import WebhookDelivery
from gangway.webhooks.delivery import Outcome
from tests.conftest import PartnerHandle
from tests.webhooks.conftest import Receiver, create_endpoint, deliver, record_event

URL = "https://example.com/hooks"


async def _delivery_ids(services) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    async with transaction(services.read_sessions) as session:
        return list(await session.scalars(select(WebhookDelivery.id)))


async def test_create_returns_the_secret_once(partner: PartnerHandle) -> None:
    created = await create_endpoint(
        partner, "http://127.0.0.1:9/hooks", events=["IndividualBlocked"]
    )
    assert created["secret"].startswith("whsec_")
    assert created["status"] == "enabled" and created["events"] == ["IndividualBlocked"]
    assert created["created_at"].endswith("Z")
    got = await partner.http.get(f"/v3/webhooks/{created['id']}")
    assert got.status_code == 200 and "secret" not in got.json()
    listed = (await partner.http.get("/v3/webhooks")).json()
    assert listed["has_more"] is False
    assert [w["id"] for w in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]


async def test_events_omitted_or_empty_mean_all_and_duplicates_collapse(
    partner: PartnerHandle,
) -> None:
    assert (await create_endpoint(partner, URL))["events"] == []
    assert (await create_endpoint(partner, URL, events=[]))["events"] == []
    both = await create_endpoint(
        partner, URL, events=["IndividualBlocked", "IndividualActivated", "IndividualBlocked"]
    )
    assert both["events"] == ["IndividualActivated", "IndividualBlocked"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "https://user:pw@example.com/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://example.com/" + "a" * 2100}, "url"),
        ({"url": URL, "events": ["NoSuchEvent"]}, "events.0"),
        ({"url": URL, "events": "IndividualBlocked"}, "events"),
        ({"url": URL, "secret": "mine"}, "secret"),
        ({}, "url"),
    ],
)
async def test_invalid_create_is_a_validation_error(
    partner: PartnerHandle, body: dict, field: str
) -> None:
    response = await partner.http.post("/v3/webhooks", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [d["field"] for d in error["details"]]


async def test_list_is_paginated_newest_first(partner: PartnerHandle, clock) -> None:
    ids = []
    for _ in range(3):
        ids.append((await create_endpoint(partner, URL))["id"])
        clock.advance(seconds=1)
    first = (await partner.http.get("/v3/webhooks", params={"limit": 2})).json()
    assert [w["id"] for w in first["data"]] == ids[::-1][:2] and first["has_more"] is True
    second = (
        await partner.http.get("/v3/webhooks", params={"limit": 2, "starting_after": ids[1]})
    ).json()
    assert [w["id"] for w in second["data"]] == [ids[0]] and second["has_more"] is False
    unknown = await partner.http.get("/v3/webhooks", params={"starting_after": str(uuid.uuid4())})
    assert unknown.status_code == 404
    bad = await partner.http.get("/v3/webhooks", params={"starting_after": "not-an-id"})
    assert bad.status_code == 400
    assert (await partner.http.get("/v3/webhooks", params={"limit": 0})).status_code == 400


async def test_patch_changes_url_events_and_status(partner: PartnerHandle) -> None:
    created = await create_endpoint(partner, URL)
    path = f"/v3/webhooks/{created['id']}"
    patched = await partner.http.patch(
        path, json={"url": "https://example.org/new", "events": ["PendingActionCreated"]}
    )
    assert patched.status_code == 200
    assert patched.json()["url"] == "https://example.org/new"
    assert patched.json()["events"] == ["PendingActionCreated"]
    disabled = (await partner.http.patch(path, json={"status": "disabled"})).json()
    assert disabled["status"] == "disabled" and disabled["disabled_reason"] == "partner"
    enabled = (await partner.http.patch(path, json={"status": "enabled"})).json()
    assert enabled["status"] == "enabled" and enabled["disabled_reason"] is None
    for body in (
        {"status": "paused"},
        {"url": None},
        {"status": None, "events": None},
        {"url": "ftp://x"},
        {"id": "x"},
    ):
        response = await partner.http.patch(path, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"


async def test_delete_removes_the_endpoint(partner: PartnerHandle) -> None:
    created = await create_endpoint(partner, URL)
    assert (await partner.http.delete(f"/v3/webhooks/{created['id']}")).status_code == 204
    assert (await partner.http.get(f"/v3/webhooks/{created['id']}")).status_code == 404
    assert (await partner.http.delete(f"/v3/webhooks/{created['id']}")).status_code == 404


async def test_another_partners_webhook_is_not_found(
    partner: PartnerHandle, other_partner: PartnerHandle, services, receiver: Receiver
) -> None:
    created = await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    [delivery_id] = await _delivery_ids(services)
    base = f"/v3/webhooks/{created['id']}"
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"status": "disabled"}),
        ("DELETE", base, None),
        ("POST", f"{base}/rotate_secret", None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery_id}/retry", None),
        ("POST", f"{base}/recover", {"since": "2020-01-01T00:00:00Z"}),
    ]
    for method, path, body in calls:
        response = await other_partner.http.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert (await other_partner.http.get("/v3/webhooks")).json()["data"] == []
    assert (await partner.http.get(base)).json()["status"] == "enabled"
    assert (await partner.http.get("/v3/webhooks/not-a-uuid")).status_code == 404


async def test_webhooks_need_authentication(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/v3/webhooks")
    assert response.status_code == 401
    assert (await client.post("/v3/webhooks", json={"url": URL})).status_code == 401


async def test_deliveries_log_shows_attempts_and_filters_by_status(
    partner: PartnerHandle, services, receiver: Receiver
) -> None:
    created = await create_endpoint(partner, receiver.url)
    event_id = await record_event(services, partner.partner_id)
    [delivery_id] = await _delivery_ids(services)
    receiver.status, receiver.response_body = 500, b"boom"
    assert await deliver(services, delivery_id) == Outcome.retrying
    path = f"/v3/webhooks/{created['id']}/deliveries"
    [entry] = (await partner.http.get(path)).json()["data"]
    assert entry["id"] == str(delivery_id) and entry["event_id"] == event_id
    assert entry["status"] == "pending" and entry["attempt_count"] == 1
    assert entry["last_status_code"] == 500 and entry["next_attempt_at"].endswith("Z")
    [attempt] = entry["attempts"]
    assert attempt["status_code"] == 500 and attempt["response_body"] == "boom"
    assert attempt["succeeded"] is False and attempt["error"] == "HTTP 500"
    assert (await partner.http.get(path, params={"status": "failed"})).json()["data"] == []
    assert len((await partner.http.get(path, params={"status": "pending"})).json()["data"]) == 1
    assert (await partner.http.get(path, params={"status": "nope"})).status_code == 400


async def test_retry_and_recover_requeue_failed_deliveries(
    partner: PartnerHandle, services, receiver: Receiver
) -> None:
    created = await create_endpoint(partner, receiver.url)
    base = f"/v3/webhooks/{created['id']}"
    await record_event(services, partner.partner_id)
    await record_event(services, partner.partner_id)
    first, second = await _delivery_ids(services)
    receiver.status = 410  # disables the endpoint and fails both deliveries
    assert await deliver(services, first) == Outcome.failed
    blocked = await partner.http.post(f"{base}/deliveries/{first}/retry")
    assert blocked.status_code == 422 and blocked.json()["error"]["code"] == "request_blocked"
    assert (
        await partner.http.post(f"{base}/recover", json={"since": "2020-01-01T00:00:00Z"})
    ).status_code == 422

    await partner.http.patch(base, json={"status": "enabled"})
    receiver.status = 200
    retried = await partner.http.post(f"{base}/deliveries/{first}/retry")
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert await deliver(services, first) == Outcome.succeeded
    missing = await partner.http.post(f"{base}/deliveries/{uuid.uuid4()}/retry")
    assert missing.status_code == 404

    future = await partner.http.post(f"{base}/recover", json={"since": "2999-01-01T00:00:00Z"})
    assert future.status_code == 202 and future.json() == {"requeued": 0}
    recovered = await partner.http.post(f"{base}/recover", json={"since": "2020-01-01T00:00:00Z"})
    assert recovered.status_code == 202 and recovered.json() == {"requeued": 1}
    assert await deliver(services, second) == Outcome.succeeded
    assert (
        await partner.http.post(f"{base}/recover", json={"since": "yesterday"})
    ).status_code == 400
    assert (await partner.http.post(f"{base}/recover", json={})).status_code == 400
    assert (await partner.http.post(f"{base}/recover", json={"since": 0})).status_code == 400


async def test_endpoint_limit_per_partner(partner: PartnerHandle) -> None:
    for _ in range(20):
        await create_endpoint(partner, URL)
    response = await partner.http.post("/v3/webhooks", json={"url": URL})
    assert response.status_code == 422


async def test_openapi_documents_every_webhook_operation(client) -> None:  # type: ignore[no-untyped-def]
    spec = (await client.get("/v3/openapi.json")).json()
    operations = {
        op["operationId"]
        for path, item in spec["paths"].items()
        if path.startswith("/v3/webhooks")
        for op in item.values()
    }
    assert operations == {
        "createWebhook",
        "listWebhooks",
        "getWebhook",
        "updateWebhook",
        "deleteWebhook",
        "rotateWebhookSecret",
        "listWebhookDeliveries",
        "retryWebhookDelivery",
        "recoverWebhookDeliveries",
    }
