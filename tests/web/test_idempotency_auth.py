"""A replay under an ``Idempotency-Key`` passes the same checks as a fresh request.

The stored response of ``POST /v3/webhooks`` holds the endpoint's signing secret; a token that is
still cryptographically valid but whose session or API key was revoked must not read it back.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update

from gangway.auth import service as auth_service
from gangway.db.session import transaction
from gangway.kit.ratelimit import TokenBucket
from gangway.models import ApiKey
from gangway.web.runtime import Runtime
from tests.conftest import PartnerHandle

HOOK = {"url": "http://127.0.0.1:9/hook"}


async def _create_hook(partner: PartnerHandle, key: str) -> str:
    first = await partner.http.post("/v3/webhooks", json=HOOK, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    return str(first.json()["secret"])


async def test_replay_after_the_api_key_was_revoked_is_refused(
    runtime: Runtime, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-revoked-key")
    async with transaction(runtime.sessions) as session:
        await auth_service.revoke_api_key(
            session, partner.api_key[: auth_service.VISIBLE_PREFIX_LENGTH], runtime.clock.now()
        )
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-revoked-key"}
    )
    assert replay.status_code == 401
    assert "Idempotent-Replayed" not in replay.headers
    assert secret not in replay.text


async def test_replay_after_only_the_key_row_was_revoked_is_refused(
    runtime: Runtime, partner: PartnerHandle
) -> None:
    # A key revoked without its sessions (e.g. by hand in the database) still stops the token.
    secret = await _create_hook(partner, "hook-key-row")
    async with transaction(runtime.sessions) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.partner_id == uuid.UUID(partner.partner_id))
            .values(revoked_at=runtime.clock.now())
        )
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-key-row"}
    )
    assert replay.status_code == 401
    assert secret not in replay.text


async def test_replay_after_the_session_was_revoked_is_refused(
    runtime: Runtime, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-revoked-session")
    claims = runtime.extras["signer"].verify(partner.access_token, runtime.clock.now())
    async with transaction(runtime.sessions) as session:
        await auth_service.revoke_session(session, claims.session_id, runtime.clock.now(), "test")
    replay = await partner.http.post(
        "/v3/webhooks", json=HOOK, headers={"Idempotency-Key": "hook-revoked-session"}
    )
    assert replay.status_code == 401
    assert secret not in replay.text


async def test_replay_over_the_rate_limit_is_refused(
    runtime: Runtime, partner: PartnerHandle
) -> None:
    secret = await _create_hook(partner, "hook-limited")
    # A stopped clock and an empty bucket: the next request is over the limit.
    bucket = TokenBucket(1, monotonic=lambda: 100.0)
    claims = runtime.extras["signer"].verify(partner.access_token, runtime.clock.now())
    assert bucket.take(str(claims.api_key_id)).allowed
    runtime.extras["rate_limiter"] = bucket
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
