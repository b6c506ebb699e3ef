from __future__ import annotations

import asyncio

from tests.conftest import SEED_INDIVIDUAL, PartnerHandle


async def test_same_key_and_body_replays_the_first_response(partner: PartnerHandle) -> None:
    headers = {"Idempotency-Key": "create-john-1"}
    first = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    second = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = (await partner.http.get("/v3/individuals")).json()["data"]
    assert len(listed) == 1


async def test_same_key_with_another_body_is_a_conflict(partner: PartnerHandle) -> None:
    headers = {"Idempotency-Key": "k-2"}
    await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    other = await partner.http.post(
        "/v3/individuals", json={**SEED_INDIVIDUAL, "first_name": "Jane"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"


async def test_errors_are_replayed_too_but_keys_are_per_partner(
    partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    bad = await partner.http.post("/v3/individuals", json={"first_name": ""}, headers=headers)
    again = await partner.http.post("/v3/individuals", json={"first_name": ""}, headers=headers)
    assert bad.status_code == again.status_code == 400
    assert again.headers["Idempotent-Replayed"] == "true"
    theirs = await other_partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers


async def test_key_expires_after_24_hours(partner: PartnerHandle, clock) -> None:  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": "day-old"}
    first = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    clock.advance(hours=24, seconds=1)
    await partner.login()
    second = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


async def test_concurrent_requests_with_one_key_create_one_individual(
    partner: PartnerHandle,
) -> None:
    headers = {"Idempotency-Key": "racing"}
    responses = await asyncio.gather(
        *[
            partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
            for _ in range(4)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created_ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created_ids) == 1
    listed = (await partner.http.get("/v3/individuals")).json()["data"]
    assert len(listed) == 1


async def test_invalid_key_is_rejected(partner: PartnerHandle) -> None:
    response = await partner.http.post(
        "/v3/individuals", json=SEED_INDIVIDUAL, headers={"Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_stored_responses_are_sealed_so_a_replayed_secret_is_not_readable_in_the_database(
    app,
    partner: PartnerHandle,  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import select

    from gangway.db.session import transaction
    from gangway.models import IdempotencyRecord

    headers = {"Idempotency-Key": "hook-1"}
    body = {"url": "http://127.0.0.1:9/hook"}
    first = await partner.http.post("/v3/webhooks", json=body, headers=headers)
    assert first.status_code == 201
    secret = first.json()["secret"]
    replay = await partner.http.post("/v3/webhooks", json=body, headers=headers)
    assert replay.json()["secret"] == secret
    async with transaction(app.state.services.sessions) as session:
        stored = (await session.scalars(select(IdempotencyRecord.response_body))).all()
    assert stored and all(secret.encode() not in (row or b"") for row in stored)


async def test_a_created_answer_is_stored_in_the_request_transaction(
    app,
    partner: PartnerHandle,  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import event, select

    from gangway.db.session import transaction
    from gangway.models import IdempotencyRecord

    engine = app.state.services.engine.sync_engine
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", count)
    try:
        headers = {"Idempotency-Key": "one-unit-of-work"}
        created = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    finally:
        event.remove(engine, "commit", count)
    assert created.status_code == 201
    # Claim, individual and stored answer commit together: one write transaction, not two.
    assert len(commits) == 1
    async with transaction(app.state.services.sessions) as session:
        record = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == "one-unit-of-work")
        )
    assert record is not None and record.response_status == 201
    replay = await partner.http.post("/v3/individuals", json=SEED_INDIVIDUAL, headers=headers)
    assert replay.json() == created.json()


async def test_an_error_rolls_back_the_claim_and_stores_the_answer_apart(
    partner: PartnerHandle,
) -> None:
    headers = {"Idempotency-Key": "missing-one"}
    missing = "/v3/individuals/00000000-0000-4000-8000-000000000000/onboard"
    first = await partner.http.post(missing, json={}, headers=headers)
    again = await partner.http.post(missing, json={}, headers=headers)
    assert first.status_code == again.status_code
    assert first.status_code in (400, 404)
    assert again.headers["Idempotent-Replayed"] == "true"
