"""Fixtures for the consent flows: an individual onboarded by the KYC simulation (passcode
135790), a pending action raised on it and a fresh link to its consent."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from gangway.simulations.kyc import SANDBOX_PASSCODE
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import FlowClient, Inspector, new_flow_client

PASSCODE = SANDBOX_PASSCODE
WRONG = "246802"
IDV = "identity_verification"
POA = "proof_of_address_verification"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (320, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A small valid one-page PDF (Pillow writes real PDFs)."""
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), (255, 255, 255)).save(buffer, format="PDF")
    return buffer.getvalue()


async def onboarded_individual(partner: PartnerHandle) -> dict[str, Any]:
    individual = await create_individual(partner)
    response = await partner.http.post(f"/v3/individuals/{individual['id']}/onboard", json={})
    assert response.status_code == 200, response.text
    response = await partner.http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def raise_action(partner: PartnerHandle, individual_id: str, flow: str) -> dict[str, Any]:
    response = await partner.http.post(f"/v3/simulations/individuals/{individual_id}/{flow}")
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def open_consent(partner: PartnerHandle, consent_id: str, **body: Any) -> dict[str, Any]:
    response = await partner.http.post(f"/v3/consents/{consent_id}", json=body)
    assert response.status_code == 200, response.text
    return response.json()["method"]  # type: ignore[no-any-return]


async def consent_setup(partner: PartnerHandle, flow: str = IDV) -> dict[str, Any]:
    individual = await onboarded_individual(partner)
    action = await raise_action(partner, individual["id"], flow)
    method = await open_consent(
        partner, action["payload"]["consent_id"], return_url="https://partner.example/back"
    )
    return {
        "individual_id": individual["id"],
        "action": action,
        "consent_id": action["payload"]["consent_id"],
        "token": method["token"],
        "redirect_url": method["redirect_url"],
    }


@pytest.fixture
async def flow(app: Any) -> AsyncIterator[FlowClient]:
    async with new_flow_client(app) as http:
        yield FlowClient(http)


@pytest.fixture
async def idv(partner: PartnerHandle) -> dict[str, Any]:
    return await consent_setup(partner, IDV)


@pytest.fixture
async def poa(partner: PartnerHandle) -> dict[str, Any]:
    return await consent_setup(partner, POA)


def identity_files() -> dict[str, Any]:
    return {
        "front": ("front.jpg", image_bytes("JPEG"), "image/jpeg"),
        "back": ("back.png", image_bytes("PNG"), "image/png"),
    }


IDENTITY_DOCUMENT = {
    "type": "national_id",
    "number": "AB123456",
    "issuing_country": "SE",
    "expiry_date": "2031-01-31",
}


@pytest.fixture
def inspect_db(services: Any) -> Inspector:
    return Inspector(services)
