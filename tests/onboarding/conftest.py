"""Fixtures for the onboarding tests: a browser-like client for the hosted flow and images."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import PartnerHandle, create_individual

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (320, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


class FlowClient:
    """A browser stand-in: its own cookie jar, follows the flow's forms with their CSRF token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.page: httpx.Response | None = None

    async def start(self, token: str, **params: str) -> httpx.Response:
        response = await self.http.get("/flow/start", params={"token": token, **params})
        self.page = response
        return response

    async def get(self, path: str, **params: str) -> httpx.Response:
        self.page = await self.http.get(path, params=params)
        return self.page

    def csrf(self) -> str:
        assert self.page is not None
        match = CSRF.search(self.page.text)
        assert match, "no CSRF token on the page"
        return match.group(1)

    async def post(
        self, path: str, data: dict[str, Any] | None = None, files: dict[str, Any] | None = None
    ) -> httpx.Response:
        if self.page is None or self.page.request.url.path != path:
            await self.get(path)
        body = {"csrf_token": self.csrf(), **(data or {})}
        response = await self.http.post(path, data=body, files=files)
        if response.status_code != 303:
            self.page = response
        return response

    async def step(
        self, name: str, data: dict[str, Any] | None = None, files: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.post(f"/flow/onboarding/{name}", data, files)


PERSONAL = {
    "first_name": "John",
    "last_name": "de Mayor",
    "date_of_birth": "1991-12-06",
    "nationality": "SE",
}
ADDRESS = {
    "country_code": "SE",
    "street1": "Mälarö torg 2",
    "street2": "",
    "city": "Ekerö",
    "region": "Ekerö",
    "postal_code": "178 30",
}
DOCUMENT = {
    "type": "national_id",
    "number": "AB123456",
    "issuing_country": "SE",
    "expiry_date": "2030-01-31",
}
QUESTIONS = {
    "employment_status": "employed",
    "occupation": "professional",
    "source_of_funds": "salary",
    "expected_monthly_amount": "1000_5000",
    "purpose": "everyday",
    "tax_residence_country": "SE",
    "tax_id": "19911206-1234",
    "us_person": "no",
    "pep": "no",
    "pep_details": "",
}


def document_files() -> dict[str, Any]:
    return {
        "front": ("front.jpg", image_bytes("JPEG"), "image/jpeg"),
        "back": ("back.png", image_bytes("PNG"), "image/png"),
    }


async def fill_until(flow: FlowClient, last: str = "security") -> None:
    """Walk the steps in order up to and including ``last``."""
    steps: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
        ("welcome", {"accept_terms": "yes"}, None),
        ("personal", PERSONAL, None),
        ("address", ADDRESS, None),
        ("phone", {"phone_number": "+46627211111", "action": "send"}, None),
        ("phone", {"phone_number": "+46627211111", "action": "verify", "code": "000000"}, None),
        ("document", DOCUMENT, document_files()),
        ("selfie", {}, {"selfie": ("me.jpg", image_bytes("JPEG"), "image/jpeg")}),
        ("questions", QUESTIONS, None),
        (
            "security",
            {"passcode": "285714", "passcode_confirm": "285714", "action": "passcode"},
            None,
        ),
        ("security", {"action": "continue"}, None),
    ]
    for name, data, files in steps:
        response = await flow.step(name, data, files)
        assert response.status_code == 303, (name, response.text[-3000:])
        action = data.get("action")
        if name == last and action in (None, "verify", "continue"):
            return


async def onboard(handle: PartnerHandle, individual_id: str, **body: Any) -> dict[str, Any]:
    response = await handle.http.post(f"/v3/individuals/{individual_id}/onboard", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def individual(partner: PartnerHandle) -> dict[str, Any]:
    return await create_individual(partner)


@pytest.fixture
async def link(partner: PartnerHandle, individual: dict[str, Any]) -> dict[str, Any]:
    return await onboard(partner, individual["id"], return_url="https://partner.example/back?x=1")


def new_flow_client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.44", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def flow(app: Any) -> AsyncIterator[FlowClient]:
    async with new_flow_client(app) as http:
        yield FlowClient(http)


@pytest.fixture
async def started(flow: FlowClient, link: dict[str, Any]) -> FlowClient:
    response = await flow.start(link["token"])
    assert response.status_code == 303
    return flow


class Inspector:
    """Short read-only sessions for looking at the database between requests (a long-lived
    write session would hold SQLite's write gate)."""

    def __init__(self, services: Any) -> None:
        self.services = services

    async def scalar(self, statement: Any) -> Any:
        async with self.services.read_sessions() as session:
            return await session.scalar(statement)

    async def all(self, statement: Any) -> list[Any]:
        async with self.services.read_sessions() as session:
            return list((await session.scalars(statement)).all())


@pytest.fixture
def inspect_db(services: Any) -> Inspector:
    return Inspector(services)
