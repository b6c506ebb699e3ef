from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gangway.kit.ids import sha256_hex
from gangway.kit.timefmt import parse_timestamp
from gangway.models import OnboardingLink
from tests.conftest import START, PartnerHandle, create_individual
from tests.onboarding.conftest import onboard


async def test_onboard_moves_to_onboarding_requested_and_returns_a_link(
    partner: PartnerHandle, individual: dict[str, Any], inspect_db: Any
) -> None:
    body = await onboard(partner, individual["id"], return_url="https://example.com/cb")
    assert body["redirect_url"].startswith("http://testserver/flow/start?token=")
    assert body["redirect_url"].endswith(body["token"])
    assert len(body["token"]) >= 43  # 256 bits, URL-safe base64
    assert parse_timestamp(body["expires_at"]) == START + timedelta(seconds=3600)
    assert body["expires_at"].endswith("Z")
    fetched = (await partner.http.get(f"/v3/individuals/{individual['id']}")).json()
    assert fetched["status"] == "onboarding_requested"
    stored = await inspect_db.all(select(OnboardingLink))
    assert [row.token_hash for row in stored] == [sha256_hex(body["token"])]
    assert all(body["token"] not in str(value) for value in vars(stored[0]).values())


async def test_onboard_again_issues_a_new_link_and_keeps_the_old_one(
    partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    first = await onboard(partner, individual["id"])
    second = await onboard(partner, individual["id"])
    assert first["token"] != second["token"]


async def test_onboard_without_body_is_accepted(
    partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    response = await partner.http.post(f"/v3/individuals/{individual['id']}/onboard")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/cb",
        "ftp://example.com/cb",
        "javascript:alert(1)",
        "/relative/path",
        "https://example.com/cb#fragment",
        "https://user:pw@example.com/cb",
        "https://intranet/cb",
        "",
        "https://example.com/" + "a" * 2100,
    ],
)
async def test_onboard_rejects_unsafe_return_urls(
    partner: PartnerHandle, individual: dict[str, Any], url: str
) -> None:
    response = await partner.http.post(
        f"/v3/individuals/{individual['id']}/onboard", json={"return_url": url}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"][0]["field"] == "return_url"


@pytest.mark.parametrize("url", ["http://localhost:3000/cb", "http://127.0.0.1/cb?a=b"])
async def test_http_return_url_to_localhost_is_allowed_in_sandbox(
    partner: PartnerHandle, individual: dict[str, Any], url: str
) -> None:
    await onboard(partner, individual["id"], return_url=url)


async def test_onboard_rejects_unknown_fields(
    partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    response = await partner.http.post(
        f"/v3/individuals/{individual['id']}/onboard", json={"return": "https://example.com"}
    )
    assert response.status_code == 400


async def test_onboard_another_partners_individual_is_not_found(
    partner: PartnerHandle, other_partner: PartnerHandle
) -> None:
    theirs = await create_individual(other_partner)
    response = await partner.http.post(f"/v3/individuals/{theirs['id']}/onboard", json={})
    assert response.status_code == 404
    unknown = await partner.http.post("/v3/individuals/not-a-uuid/onboard", json={})
    assert unknown.status_code == 404


async def test_onboard_after_submission_is_request_blocked(
    partner: PartnerHandle, individual: dict[str, Any]
) -> None:
    await onboard(partner, individual["id"])
    simulated = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert simulated.status_code == 200, simulated.text
    response = await partner.http.post(f"/v3/individuals/{individual['id']}/onboard", json={})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request_blocked"
    assert "pending_activation, onboarding_requested" in error["message"]


async def test_onboard_needs_authentication(app: Any, individual: dict[str, Any]) -> None:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        response = await anonymous.post(f"/v3/individuals/{individual['id']}/onboard", json={})
    assert response.status_code == 401


async def test_onboard_is_in_the_openapi_document(partner: PartnerHandle) -> None:
    spec = (await partner.http.get("/v3/openapi.json")).json()
    operation = spec["paths"]["/v3/individuals/{individual_id}/onboard"]["post"]
    assert operation["operationId"] == "onboardIndividual"
    assert {"404", "422"} <= set(operation["responses"])
    kyc = spec["paths"]["/v3/simulations/onboarding/kyc"]["post"]
    assert kyc["operationId"] == "simulateOnboardingKyc"
