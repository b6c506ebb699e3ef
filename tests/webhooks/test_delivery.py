"""Delivery through the outbox: signing, body, retries on the schedule, disabling, rotation."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from gangway.app import create_app
from gangway.db.session import transaction
from gangway.events import service as events
from gangway.kit.timefmt import iso_millis
from gangway.models import EventName, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gangway.webhooks.delivery import RETRY_SCHEDULE, Outcome, retry_delay
from gangway.webhooks.sender import USER_AGENT
from tests.conftest import PartnerHandle, make_settings
from tests.webhooks.conftest import Receiver, create_endpoint, deliver, record_event


async def _deliveries(services) -> list[WebhookDelivery]:  # type: ignore[no-untyped-def]
    async with transaction(services.read_sessions) as session:
        return list(await session.scalars(select(WebhookDelivery)))


async def _endpoint(services, endpoint_id: str) -> WebhookEndpoint:  # type: ignore[no-untyped-def]
    async with transaction(services.read_sessions) as session:
        stored = await session.get(WebhookEndpoint, uuid.UUID(endpoint_id))
    assert stored is not None
    return stored


async def _attempts(services, delivery_id) -> list[WebhookAttempt]:  # type: ignore[no-untyped-def]
    async with transaction(services.read_sessions) as session:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempted_at)
        )
        return list(rows)


async def test_recorded_event_is_delivered_once_signed_with_the_specified_body(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    individual_id = str(uuid.uuid4())
    event_id = await record_event(
        services,
        partner.partner_id,
        EventName.IndividualBlocked,
        individual_id,
        status="blocked",
        reason="Fraud",
    )
    [delivery] = await _deliveries(services)
    assert delivery.status == "pending" and str(delivery.event_id) == event_id

    assert await deliver(services, delivery.id) == Outcome.succeeded
    assert await deliver(services, delivery.id) == Outcome.skipped  # idempotent
    [request] = await receiver.wait_for(1)
    assert receiver.count() == 1

    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert payload == {
        "id": event_id,
        "name": "IndividualBlocked",
        "created_at": iso_millis(services.clock.now()),
        "payload": {"individual_id": individual_id, "status": "blocked", "reason": "Fraud"},
    }
    assert request.headers["webhook-id"] == event_id
    assert request.headers["webhook-timestamp"] == str(int(services.clock.now().timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    [delivered] = await _deliveries(services)
    assert delivered.status == "succeeded" and delivered.attempt_count == 1
    [attempt] = await _attempts(services, delivery.id)
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_body == "ok"


async def test_only_subscribed_enabled_endpoints_get_deliveries(
    services, partner: PartnerHandle, other_partner: PartnerHandle, receiver: Receiver
) -> None:
    everything = await create_endpoint(partner, receiver.url)
    blocked_only = await create_endpoint(partner, receiver.url, events=["IndividualBlocked"])
    disabled = await create_endpoint(partner, receiver.url)
    await partner.http.patch(f"/v3/webhooks/{disabled['id']}", json={"status": "disabled"})
    await create_endpoint(other_partner, receiver.url)

    await record_event(services, partner.partner_id, EventName.IndividualActivated)
    assert {str(d.endpoint_id) for d in await _deliveries(services)} == {everything["id"]}
    await record_event(
        services, partner.partner_id, EventName.IndividualBlocked, status="blocked", reason="x"
    )
    ids = [str(d.endpoint_id) for d in await _deliveries(services)]
    assert sorted(ids) == sorted([everything["id"], everything["id"], blocked_only["id"]])


async def test_rolled_back_event_leaves_no_delivery(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    await create_endpoint(partner, receiver.url)
    with pytest.raises(RuntimeError):
        async with transaction(services.sessions) as session:
            await events.record(
                session,
                partner_id=uuid.UUID(partner.partner_id),
                individual_id=uuid.uuid4(),
                name=EventName.IndividualActivated,
                now=services.clock.now(),
                status="activated",
            )
            raise RuntimeError("the state change failed")
    assert await _deliveries(services) == []


async def test_receiver_down_then_up_is_retried_on_schedule_and_delivered(
    services, clock, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    [delivery] = await _deliveries(services)
    receiver.status, receiver.response_body = 503, b"maintenance " * 200

    start = clock.now()
    for attempt_number in (1, 2, 3):
        assert await deliver(services, delivery.id) == Outcome.retrying
        [current] = [d for d in await _deliveries(services) if d.id == delivery.id]
        wait = current.next_attempt_at - clock.now()
        base = RETRY_SCHEDULE[attempt_number - 1]
        assert base <= wait <= base * 1.1
        clock.set(current.next_attempt_at)

    receiver.status, receiver.response_body = 200, b"thanks"
    assert await deliver(services, delivery.id) == Outcome.succeeded
    received = await receiver.wait_for(4)
    assert len({r.headers["webhook-id"] for r in received}) == 1
    last = received[-1]
    moment = datetime.fromtimestamp(int(last.headers["webhook-timestamp"]), UTC)
    assert moment == clock.now().replace(microsecond=0) and moment - start > timedelta(minutes=35)
    signature = Webhook(endpoint["secret"]).sign(
        last.headers["webhook-id"], moment, last.body.decode()
    )
    assert last.headers["webhook-signature"] == signature
    attempts = await _attempts(services, delivery.id)
    assert [a.status_code for a in attempts] == [503, 503, 503, 200]
    assert [a.succeeded for a in attempts] == [False, False, False, True]
    assert attempts[0].error == "HTTP 503"
    assert len(attempts[0].response_body or "") == 1024
    assert all(a.duration_ms >= 0 for a in attempts)
    [done] = await _deliveries(services)
    assert done.status == "succeeded" and done.attempt_count == 4


async def test_delivery_fails_after_the_whole_schedule(
    services, clock, partner: PartnerHandle, receiver: Receiver
) -> None:
    await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    [delivery] = await _deliveries(services)
    receiver.status = 500
    outcomes = []
    for _ in range(len(RETRY_SCHEDULE) + 1):
        outcomes.append(await deliver(services, delivery.id))
        clock.advance(hours=11)
    assert outcomes == [Outcome.retrying] * len(RETRY_SCHEDULE) + [Outcome.failed]
    [failed] = await _deliveries(services)
    assert failed.status == "failed" and failed.next_attempt_at is None
    assert len(await _attempts(services, delivery.id)) == 8


def test_retry_schedule_has_at_most_ten_percent_jitter() -> None:
    for attempt, base in enumerate(RETRY_SCHEDULE, start=1):
        for _ in range(50):
            delay = retry_delay(attempt)
            assert delay is not None and base <= delay <= base * 1.1
    assert retry_delay(len(RETRY_SCHEDULE) + 1) is None
    assert sum(RETRY_SCHEDULE, timedelta()) == timedelta(hours=27, minutes=35, seconds=5)


async def test_gone_disables_the_endpoint_at_once(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    await record_event(services, partner.partner_id)
    first, second = await _deliveries(services)
    receiver.status = 410
    assert await deliver(services, first.id) == Outcome.failed
    got = (await partner.http.get(f"/v3/webhooks/{endpoint['id']}")).json()
    assert got["status"] == "disabled" and got["disabled_reason"] == "gone"
    statuses = {d.id: d.status for d in await _deliveries(services)}
    assert statuses == {first.id: "failed", second.id: "failed"}
    assert await deliver(services, second.id) == Outcome.skipped
    await record_event(services, partner.partner_id)
    assert len(await _deliveries(services)) == 2  # a disabled endpoint gets no new deliveries
    assert receiver.count() == 1


async def test_five_days_of_failures_disable_the_endpoint(
    services, clock, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    receiver.status = 502
    for _day in range(6):
        await record_event(services, partner.partner_id)
        for delivery in await _deliveries(services):
            await deliver(services, delivery.id)
        got = await _endpoint(services, endpoint["id"])
        if got.status == "disabled":
            break
        clock.advance(days=1)
    assert got.status == "disabled" and got.disabled_reason == "failing"
    assert _day == 5


async def test_success_resets_the_failing_clock(
    services, clock, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    receiver.status = 502
    await record_event(services, partner.partner_id)
    [first] = await _deliveries(services)
    await deliver(services, first.id)
    clock.advance(days=4)
    receiver.status = 200
    await record_event(services, partner.partner_id)
    second = next(d for d in await _deliveries(services) if d.id != first.id)
    assert await deliver(services, second.id) == Outcome.succeeded
    async with transaction(services.read_sessions) as session:
        stored = await session.get(WebhookEndpoint, uuid.UUID(endpoint["id"]))
        assert stored is not None and stored.failing_since is None


async def test_rotation_sends_both_signatures_for_24_hours(
    services, clock, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    old_secret = endpoint["secret"]
    rotated = await partner.http.post(f"/v3/webhooks/{endpoint['id']}/rotate_secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret

    await record_event(services, partner.partner_id)
    [delivery] = await _deliveries(services)
    await deliver(services, delivery.id)
    [request] = await receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(request.body, request.headers)
    Webhook(new_secret).verify(request.body, request.headers)

    clock.advance(hours=24, seconds=1)
    await record_event(services, partner.partner_id)
    later = next(d for d in await _deliveries(services) if d.id != delivery.id)
    await deliver(services, later.id)
    received = await receiver.wait_for(2)
    signatures = received[1].headers["webhook-signature"].split(" ")
    assert len(signatures) == 1
    timestamp = int(received[1].headers["webhook-timestamp"])
    moment = datetime.fromtimestamp(timestamp, UTC)
    expected = Webhook(new_secret).sign(
        received[1].headers["webhook-id"], moment, received[1].body.decode()
    )
    assert signatures == [expected]


async def test_secrets_are_not_stored_in_clear(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    endpoint = await create_endpoint(partner, receiver.url)
    async with transaction(services.read_sessions) as session:
        stored = await session.get(WebhookEndpoint, uuid.UUID(endpoint["id"]))
    assert stored is not None
    key = endpoint["secret"].removeprefix("whsec_")
    assert key not in stored.secret_sealed and endpoint["secret"] not in stored.secret_sealed


async def test_embedded_worker_delivers_right_after_the_commit(
    clock, database_url, partner: PartnerHandle, receiver: Receiver
) -> None:
    """A second app with its embedded worker; polling is slowed to 60 s, so only the wake-up
    after the commit can deliver within the wait below."""
    settings = make_settings(database_url, worker_poll_seconds=60)
    app = create_app(settings, clock=clock, run_worker=True)
    async with app.router.lifespan_context(app):
        services = app.state.services
        endpoint = await create_endpoint(partner, receiver.url)
        await asyncio.sleep(0.2)  # let the worker reach its idle wait
        await record_event(services, partner.partner_id)
        services.wake_worker()  # what the request edge (SessionDep) does after such a commit
        [request] = await receiver.wait_for(1, within=5)
        assert json.loads(request.body)["name"] == "IndividualActivated"
        for _ in range(500):
            if [d.status for d in await _deliveries(services)] == ["succeeded"]:
                break
            await asyncio.sleep(0.01)
        assert [d.status for d in await _deliveries(services)] == ["succeeded"]

        # A request that queues a delivery wakes the worker after its commit (SessionDep).
        [delivery] = await _deliveries(services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            http.headers["Authorization"] = f"Bearer {partner.access_token}"
            retried = await http.post(
                f"/v3/webhooks/{endpoint['id']}/deliveries/{delivery.id}/retry"
            )
            assert retried.status_code == 202
        await receiver.wait_for(2, within=5)
    assert app.state.worker is None  # stopped with the app


async def test_connection_refused_is_a_logged_failure(services, partner: PartnerHandle) -> None:
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await create_endpoint(partner, f"http://127.0.0.1:{port}/hooks")
    await record_event(services, partner.partner_id)
    [delivery] = await _deliveries(services)
    assert await deliver(services, delivery.id) == Outcome.retrying
    [attempt] = await _attempts(services, delivery.id)
    assert attempt.status_code is None and attempt.succeeded is False
    assert attempt.error is not None and "Connect" in attempt.error


async def test_redirects_are_not_followed(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    await create_endpoint(partner, receiver.url)
    await record_event(services, partner.partner_id)
    [delivery] = await _deliveries(services)
    receiver.status = 307
    assert await deliver(services, delivery.id) == Outcome.retrying
    assert receiver.count() == 1
    [attempt] = await _attempts(services, delivery.id)
    assert attempt.status_code == 307 and attempt.error == "HTTP 307"


async def test_a_claimed_batch_is_loaded_in_one_read_and_delivered_from_it(
    services, partner: PartnerHandle, receiver: Receiver
) -> None:
    from gangway.webhooks.delivery import claim_due

    endpoint = await create_endpoint(partner, receiver.url)
    event_ids = [await record_event(services, partner.partner_id) for _ in range(6)]
    claimed = await claim_due(
        services.sessions, services.clock.now(), limit=10, lease=timedelta(seconds=60)
    )
    assert len(claimed) == 6
    courier = services.webhook_courier
    loaded = await courier.load(claimed)
    assert set(loaded) == set(claimed)

    outcomes = await asyncio.gather(*(courier.deliver(i, loaded[i]) for i in claimed))
    assert outcomes == [Outcome.succeeded] * 6
    received = await receiver.wait_for(6)
    assert sorted(r.headers["webhook-id"] for r in received) == sorted(event_ids)
    for request in received:
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert {d.status for d in await _deliveries(services)} == {"succeeded"}
    for delivery_id in claimed:
        [attempt] = await _attempts(services, delivery_id)
        assert attempt.succeeded
