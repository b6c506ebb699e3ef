"""SSRF protection: private targets are refused at registration and at send time, before any
connection is made (a recording network backend proves nothing was dialled)."""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from typing import Any

import httpcore
import pytest
from sqlalchemy import select

from gangway.config import Settings
from gangway.db.session import transaction
from gangway.models import EndpointStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from gangway.webhooks import targets
from gangway.webhooks.delivery import Outcome
from gangway.webhooks.sender import HttpxSender
from gangway.webhooks.signing import new_secret
from tests.conftest import PartnerHandle, make_settings
from tests.webhooks.conftest import record_event

PRIVATE_URLS = [
    "https://127.0.0.1/hooks",
    "https://10.0.0.1/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hooks",
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://[::ffff:10.0.0.1]/hooks",
    "https://100.64.0.1/hooks",
    "https://0.0.0.0/hooks",
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhook_allow_private_targets=False)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the real sockets: records every connect and never opens one."""

    def __init__(self) -> None:
        self.connects: list[str] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connects.append(host)
        raise httpcore.ConnectError("recording backend: no real connection")

    async def sleep(self, seconds: float) -> None:
        pass


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_registration_of_private_targets_is_refused(partner: PartnerHandle, url: str) -> None:
    response = await partner.http.post("/v3/webhooks", json={"url": url})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == "url"


async def test_plain_http_is_refused_without_the_private_targets_setting(
    partner: PartnerHandle,
) -> None:
    response = await partner.http.post("/v3/webhooks", json={"url": "http://93.184.215.14/x"})
    assert response.status_code == 400
    assert "https" in response.json()["error"]["details"][0]["message"]


async def test_public_address_is_accepted(partner: PartnerHandle) -> None:
    response = await partner.http.post("/v3/webhooks", json={"url": "https://93.184.215.14/x"})
    assert response.status_code == 201
    patched = await partner.http.patch(
        f"/v3/webhooks/{response.json()['id']}", json={"url": "https://10.0.0.1/x"}
    )
    assert patched.status_code == 400


async def _endpoint_with_url(services, partner_id: str, url: str) -> None:  # type: ignore[no-untyped-def]
    """An endpoint stored directly (as if it had passed registration, then DNS changed)."""
    box = services.webhook_policy.box
    now = services.clock.now()
    endpoint_id = uuid.uuid4()
    async with transaction(services.sessions) as session:
        session.add(
            WebhookEndpoint(
                id=endpoint_id,
                partner_id=uuid.UUID(partner_id),
                url=url,
                events=[],
                status=EndpointStatus.enabled,
                secret_sealed=await box.seal(session, endpoint_id, new_secret()),
                created_at=now,
                updated_at=now,
            )
        )


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_delivery_to_private_targets_is_refused_before_connecting(
    services, partner: PartnerHandle, url: str
) -> None:
    await _endpoint_with_url(services, partner.partner_id, url)
    await record_event(services, partner.partner_id)
    backend = RecordingBackend()
    courier = dataclasses.replace(
        services.webhook_courier,
        sender=HttpxSender(allow_private=False, inner_backend=backend),
    )
    async with transaction(services.read_sessions) as session:
        delivery_id = await session.scalar(select(WebhookDelivery.id))
    assert await courier.deliver(delivery_id) == Outcome.retrying
    await courier.aclose()
    assert backend.connects == []
    async with transaction(services.read_sessions) as session:
        attempt = await session.scalar(select(WebhookAttempt))
    assert attempt is not None and attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("Refused")


async def test_send_connects_to_the_address_that_was_checked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answers = {"hooks.example": [ipaddress.ip_address("93.184.215.14")]}

    async def fake_resolve(host: str, port: int, limit_seconds: float = 5.0):  # type: ignore[no-untyped-def]
        return answers[host]

    monkeypatch.setattr(targets, "resolve", fake_resolve)
    backend = RecordingBackend()
    sender = HttpxSender(allow_private=False, inner_backend=backend)
    result = await sender.send("https://hooks.example/x", {}, b"{}")
    assert backend.connects == ["93.184.215.14"]  # the checked address, not a new lookup
    assert result.status_code is None and result.error is not None

    # A name that also resolves to a private address is refused outright.
    answers["hooks.example"] = [
        ipaddress.ip_address("93.184.215.14"),
        ipaddress.ip_address("10.1.2.3"),
    ]
    result = await sender.send("https://hooks.example/x", {}, b"{}")
    assert result.error is not None and result.error.startswith("Refused")
    assert backend.connects == ["93.184.215.14"]
    await sender.aclose()


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:127.0.0.1", False),
        ("2002:0a00:0001::1", False),  # 6to4 wrapping 10.0.0.1
    ],
)
def test_address_classification(address: str, allowed: bool) -> None:
    assert targets.address_allowed(ipaddress.ip_address(address)) is allowed
