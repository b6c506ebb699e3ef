from __future__ import annotations

import httpx

from gangway.kit.clock import FrozenClock
from tests.conftest import PartnerHandle, create_individual


async def test_login_returns_tokens_with_kid_and_15_minute_lifetime(
    client: httpx.AsyncClient, partner: PartnerHandle
) -> None:
    import jwt

    response = await client.post("/v3/auth/login", json={"api_key": partner.api_key})
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 900
    header = jwt.get_unverified_header(body["access_token"])
    assert header["kid"] and header["alg"] == "HS256"
    assert body["refresh_token"] != body["access_token"]


async def test_login_with_unknown_key_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.post("/v3/auth/login", json={"api_key": "gw_sk_nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_login_body_is_validated(client: httpx.AsyncClient) -> None:
    for body in ({}, {"api_key": ""}, {"api_key": 5}, {"api_key": "x", "extra": 1}):
        response = await client.post("/v3/auth/login", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"


async def test_repeated_failed_logins_are_throttled(
    client: httpx.AsyncClient, partner: PartnerHandle
) -> None:
    statuses = [
        (await client.post("/v3/auth/login", json={"api_key": f"gw_sk_wrong{i}"})).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    refused = await client.post("/v3/auth/login", json={"api_key": partner.api_key})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


async def test_calls_without_token_or_with_garbage_token_are_unauthorized(
    client: httpx.AsyncClient,
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer abc.def.ghi"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
    ):
        response = await client.get("/v3/individuals", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


async def test_access_token_expires_after_15_minutes(
    partner: PartnerHandle, clock: FrozenClock
) -> None:
    assert (await partner.http.get("/v3/individuals")).status_code == 200
    clock.advance(minutes=14, seconds=59)
    assert (await partner.http.get("/v3/individuals")).status_code == 200
    clock.advance(seconds=1)
    assert (await partner.http.get("/v3/individuals")).status_code == 401


async def test_refresh_before_expiry_is_rejected(
    partner: PartnerHandle, clock: FrozenClock
) -> None:
    clock.advance(minutes=10)
    response = await partner.http.post(
        "/v3/auth/refresh", json={"refresh_token": partner.refresh_token}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "token_not_expired"


async def test_refresh_after_expiry_rotates_both_tokens(
    partner: PartnerHandle, clock: FrozenClock
) -> None:
    clock.advance(minutes=16)
    response = await partner.http.post(
        "/v3/auth/refresh", json={"refresh_token": partner.refresh_token}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != partner.refresh_token
    assert body["access_token"] != partner.access_token
    ok = await partner.http.get(
        "/v3/individuals", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert ok.status_code == 200


async def test_refresh_is_refused_after_the_60_minute_session(
    partner: PartnerHandle, clock: FrozenClock
) -> None:
    token = partner.refresh_token
    for _ in range(3):
        clock.advance(minutes=15)
        response = await partner.http.post("/v3/auth/refresh", json={"refresh_token": token})
        assert response.status_code == 200, response.text
        token = response.json()["refresh_token"]
    clock.advance(minutes=15)
    response = await partner.http.post("/v3/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


async def test_reused_refresh_token_revokes_the_whole_session(
    partner: PartnerHandle, clock: FrozenClock
) -> None:
    clock.advance(minutes=16)
    first = await partner.http.post(
        "/v3/auth/refresh", json={"refresh_token": partner.refresh_token}
    )
    assert first.status_code == 200
    new_access = first.json()["access_token"]
    new_refresh = first.json()["refresh_token"]
    stolen = await partner.http.post(
        "/v3/auth/refresh", json={"refresh_token": partner.refresh_token}
    )
    assert stolen.status_code == 401
    # Both the new access token and the new refresh token of that session are dead now.
    dead = await partner.http.get(
        "/v3/individuals", headers={"Authorization": f"Bearer {new_access}"}
    )
    assert dead.status_code == 401
    clock.advance(minutes=16)
    again = await partner.http.post("/v3/auth/refresh", json={"refresh_token": new_refresh})
    assert again.status_code == 401


async def test_unknown_refresh_token_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.post("/v3/auth/refresh", json={"refresh_token": "gw_rt_forged"})
    assert response.status_code == 401


async def test_revoked_key_cannot_log_in_and_its_sessions_end(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    from gangway.auth import service
    from gangway.auth.service import VISIBLE_PREFIX_LENGTH
    from gangway.db.session import transaction

    await create_individual(partner)
    services = app.state.services
    async with transaction(services.sessions) as session:
        await service.revoke_api_key(
            session, partner.api_key[:VISIBLE_PREFIX_LENGTH], services.clock.now()
        )
    assert (await partner.http.get("/v3/individuals")).status_code == 401
    response = await partner.http.post("/v3/auth/login", json={"api_key": partner.api_key})
    assert response.status_code == 401


async def test_a_partner_may_hold_several_keys(app, partner: PartnerHandle) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from gangway.auth import service
    from gangway.db.session import transaction

    services = app.state.services
    async with transaction(services.sessions) as session:
        second = await service.create_api_key(
            session, uuid.UUID(partner.partner_id), services.clock.now()
        )
    assert second.secret != partner.api_key
    assert second.api_key.prefix == second.secret[: len(second.api_key.prefix)]
    response = await partner.http.post("/v3/auth/login", json={"api_key": second.secret})
    assert response.status_code == 200


async def test_tampered_and_unsigned_tokens_are_refused(partner: PartnerHandle) -> None:
    import base64
    import json

    header, payload, signature = partner.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "00000000-0000-4000-8000-000000000000"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"x"}').rstrip(b"=").decode()
    for token in (
        f"{header}.{forged_payload}.{signature}",
        f"{none_header}.{payload}.",
        partner.access_token[:-2] + "AA",
    ):
        response = await partner.http.get(
            "/v3/individuals", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, token
