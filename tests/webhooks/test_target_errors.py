"""A refused webhook target never tells the partner what a host resolves to (our DNS view is not
theirs to probe); the log keeps the detail for operators."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select

from gangway.config import Settings
from gangway.db.session import transaction
from gangway.models import WebhookDelivery
from gangway.services import Services
from gangway.webhooks.sender import HttpxSender
from tests.conftest import PartnerHandle, make_settings
from tests.webhooks.conftest import record_event
from tests.webhooks.test_ssrf import RecordingBackend, _endpoint_with_url

LOOPBACK = ("127.0.0.1", "::1")
NOT_PUBLIC = "The host does not resolve to a public address."


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhook_allow_private_targets=False)


async def _refusal(partner: PartnerHandle, url: str) -> str:
    response = await partner.http.post("/v3/webhooks", json={"url": url})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == "url"
    return response.text


async def test_a_name_resolving_to_loopback_is_refused_without_the_address(
    partner: PartnerHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gangway.webhooks.targets")
    text = await _refusal(partner, "https://localhost/hooks")
    assert NOT_PUBLIC in text
    assert not any(address in text for address in LOOPBACK)
    # Operators still see why.
    assert any(
        getattr(r, "address", None) in LOOPBACK and getattr(r, "host", None) == "localhost"
        for r in caplog.records
    )


async def test_an_unresolvable_name_gets_the_same_answer_as_a_private_one(
    partner: PartnerHandle,
) -> None:
    assert NOT_PUBLIC in await _refusal(partner, "https://no-such-host.invalid/hooks")


async def test_a_private_literal_is_refused_without_echoing_addresses(
    partner: PartnerHandle,
) -> None:
    text = await _refusal(partner, "https://[::ffff:10.0.0.1]/hooks")
    assert NOT_PUBLIC in text and "10.0.0.1" not in text.replace("[::ffff:10.0.0.1]", "")


async def test_a_delivery_refused_at_send_time_shows_no_address(
    services: Services, partner: PartnerHandle
) -> None:
    await _endpoint_with_url(services, partner.partner_id, "https://localhost/hooks")
    await record_event(services, partner.partner_id)
    courier = dataclasses.replace(
        services.webhook_courier,
        sender=HttpxSender(allow_private=False, inner_backend=RecordingBackend()),
    )
    async with transaction(services.read_sessions) as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None
    await courier.deliver(delivery.id)
    await courier.aclose()
    listed = await partner.http.get(f"/v3/webhooks/{delivery.endpoint_id}/deliveries")
    assert listed.status_code == 200
    errors = [a["error"] for d in listed.json()["data"] for a in d["attempts"]]
    assert errors and all(e.startswith("Refused") for e in errors)
    assert not any(address in listed.text for address in LOOPBACK)
