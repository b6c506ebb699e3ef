"""A replay under an ``Idempotency-Key`` passes the same checks as a fresh request.

The stored response of ``POST /v3/webhooks`` holds the endpoint's signing secret; a token that is
still cryptographically valid but whose session or API key was revoked must not read it back.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from gangway.auth import service as auth_service
from gangway.db.session import transaction
from gangway.kit.ratelimit import TokenBucket
from gangway.models import ApiKey, IdempotencyRecord
from gangway.services import Services
from gangway.web.idempotency import IdempotencyClaim
from tests.conftest import PartnerHandle

HOOK = {"url": "http://127.0.0.1:9/hook"}


async def _create_hook(partner: PartnerHandle, key: str) -> str:
    first = await partner.http.post("/v3/webhooks", json=HOOK, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    return str(first.json()["secret"])


async def test_replay_after_the_api_key_was_revoked_is_refused(
    services: Services, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-revoked-key")
    async with transaction(services.sessions) as session:
        await auth_service.revoke_api_key(
            session, partner.api_key[: auth_service.VISIBLE_PREFIX_LENGTH], services.clock.now()
        )
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-revoked-key"}
    )
    assert replay.status_code == 401
    assert "Idempotent-Replayed" not in replay.headers
    assert secret not in replay.text


async def test_replay_after_only_the_key_row_was_revoked_is_refused(
    services: Services, partner: PartnerHandle
) -> None:
    # A key revoked without its sessions (e.g. by hand in the database) still stops the token.
    secret = await _create_hook(partner, "hook-key-row")
    async with transaction(services.sessions) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.partner_id == uuid.UUID(partner.partner_id))
            .values(revoked_at=services.clock.now())
        )
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-key-row"}
    )
    assert replay.status_code == 401
    assert secret not in replay.text


async def test_replay_after_the_session_was_revoked_is_refused(
    services: Services, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-revoked-session")
    claims = services.signer.verify(partner.access_token, services.clock.now())
    async with transaction(services.sessions) as session:
        await auth_service.revoke_session(session, claims.session_id, services.clock.now(), "test")
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-revoked-session"}
    )
    assert replay.status_code == 401
    assert secret not in replay.text


async def test_replay_over_the_rate_limit_is_refused(
    services: Services, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-limited")
    # A stopped clock and an empty bucket: the next request is over the limit.
    bucket = TokenBucket(1, monotonic=lambda: 100.0)
    claims = services.signer.verify(partner.access_token, services.clock.now())
    assert (await bucket.take(str(claims.api_key_id))).allowed
    services.rate_limiter = bucket
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-limited"}
    )
    assert replay.status_code == 429
    assert secret not in replay.text


async def test_replay_with_an_active_session_still_works(partner: PartnerHandle) -> None:
    secret = await _create_hook(partner, "hook-fine")
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-fine"}
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["secret"] == secret


async def test_a_401_is_not_stored_so_the_retry_with_a_new_token_runs(
    services: Services, partner: PartnerHandle
) -> None:
    claims = services.signer.verify(partner.access_token, services.clock.now())
    async with transaction(services.sessions) as session:
        await auth_service.revoke_session(session, claims.session_id, services.clock.now(), "test")
    headers = {"Idempotency-Key": "after-relogin"}
    refused = await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)
    assert refused.status_code == 401
    await partner.login()
    retried = await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["secret"].startswith("whsec_")


async def test_a_429_is_not_stored_so_the_retry_after_the_wait_runs(
    services: Services, partner: PartnerHandle
) -> None:
    now = [100.0]
    bucket = TokenBucket(1, monotonic=lambda: now[0])
    claims = services.signer.verify(partner.access_token, services.clock.now())
    assert (await bucket.take(str(claims.api_key_id))).allowed
    services.rate_limiter = bucket
    headers = {"Idempotency-Key": "after-the-wait"}
    limited = await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)
    assert limited.status_code == 429
    now[0] += int(limited.headers["Retry-After"])
    retried = await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers


@pytest.mark.parametrize("status", [401, 403, 429])
async def test_store_response_keeps_no_auth_or_rate_limit_answer(
    services: Services, partner: PartnerHandle, status: int
) -> None:
    claim = IdempotencyClaim(
        uuid.UUID(partner.partner_id), f"k-{status}", "h", services.clock.now()
    )
    await services.idempotency.store_response(claim, status, b'{"error": {}}', "application/json")
    async with transaction(services.read_sessions) as session:
        assert await session.get(IdempotencyRecord, (claim.partner_id, claim.key)) is None


async def test_a_refused_replay_leaves_the_stored_response_for_the_next_valid_token(
    services: Services, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-relogin")
    claims = services.signer.verify(partner.access_token, services.clock.now())
    async with transaction(services.sessions) as session:
        await auth_service.revoke_session(session, claims.session_id, services.clock.now(), "test")
    headers = {"Idempotency-Key": "hook-relogin"}
    assert (await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)).status_code == 401
    await partner.login()
    replay = await partner.http.post("/v3/webhooks", json=HOOK, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["secret"] == secret
