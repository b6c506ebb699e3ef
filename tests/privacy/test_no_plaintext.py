"""No personal value is readable anywhere in the database after a whole onboarding."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from gangway.services import Services
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import (
    ADDRESS,
    DOCUMENT,
    PERSONAL,
    QUESTIONS,
    FlowClient,
    document_files,
    image_bytes,
    new_flow_client,
    onboard,
)


def unique_values() -> dict[str, str]:
    tag = secrets.token_hex(4)
    letters = "".join(chr(ord("a") + int(ch, 16)) for ch in tag)
    return {
        "first_name": f"Qzx{letters}",
        "last_name": f"Vyk{letters}",
        "email": f"unique.{tag}@example.com",
        "phone_number": "+4670" + str(int(tag, 16) % 10**7).zfill(7),
        "street1": f"Wqplorgatan {tag}",
        "document_number": f"QZ{int(tag, 16) % 10**7:07d}",
        "tax_id": f"TX{tag}",
        "city": f"Brqvik{letters}",
    }


async def walk_onboarding(app: Any, link: dict[str, Any], values: dict[str, str]) -> None:
    async with new_flow_client(app) as http:
        flow = FlowClient(http)
        assert (await flow.start(link["token"])).status_code == 303
        personal = {
            **PERSONAL,
            "first_name": values["first_name"],
            "last_name": values["last_name"],
        }
        address = {**ADDRESS, "street1": values["street1"], "city": values["city"]}
        document = {**DOCUMENT, "number": values["document_number"]}
        phone = values["phone_number"]
        steps: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
            ("welcome", {"accept_terms": "yes"}, None),
            ("personal", personal, None),
            ("address", address, None),
            ("phone", {"phone_number": phone, "action": "send"}, None),
            ("phone", {"phone_number": phone, "action": "verify", "code": "000000"}, None),
            ("document", document, document_files()),
            ("selfie", {}, {"selfie": ("me.jpg", image_bytes("JPEG"), "image/jpeg")}),
            ("questions", {**QUESTIONS, "tax_id": values["tax_id"]}, None),
            (
                "security",
                {"passcode": "285714", "passcode_confirm": "285714", "action": "passcode"},
                None,
            ),
            ("security", {"action": "continue"}, None),
            ("review", {}, None),
        ]
        for name, data, files in steps:
            response = await flow.step(name, data, files)
            assert response.status_code == 303, (name, response.text[-2000:])


def database_bytes(services: Services, database_url: str) -> bytes:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        found = b""
        for suffix in ("", "-wal", "-journal"):
            candidate = Path(f"{path}{suffix}")
            if candidate.exists():
                found += candidate.read_bytes()
        assert found, f"no SQLite file at {path}"
        return found
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            str(url.database),
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "PGPASSWORD": url.password or ""},
    )
    return dump.stdout


async def test_a_whole_onboarding_leaves_no_personal_value_in_the_database(
    app: Any, services: Services, partner: PartnerHandle, database_url: str
) -> None:
    values = unique_values()
    individual = await create_individual(
        partner,
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"],
        phone_number=values["phone_number"],
        address={
            **{k: v for k, v in ADDRESS.items() if v},
            "street1": values["street1"],
            "city": values["city"],
        },
    )
    link = await onboard(partner, individual["id"], return_url="https://partner.example/back")
    await walk_onboarding(app, link, values)
    fetched = (await partner.http.get(f"/v3/individuals/{individual['id']}")).json()
    assert fetched["status"] == "onboarding_data_provided"
    assert fetched["first_name"] == values["first_name"]  # the API still reads it
    await services.engine.dispose()  # SQLite: everything written out of the connections
    stored = database_bytes(services, database_url)
    for name, value in values.items():
        for spelling in {value, value.lower(), value.upper()}:
            assert spelling.encode() not in stored, f"{name} found in plaintext"
    # The scan can fail: a value that is stored in plaintext (the partner's name) is found.
    assert b"Acme Pay" in stored


async def test_the_email_filter_still_finds_through_the_blind_index(partner: PartnerHandle) -> None:
    values = unique_values()
    created = await create_individual(partner, email=values["email"])
    await create_individual(partner, email="x" + values["email"])
    page = (await partner.http.get("/v3/individuals", params={"email": values["email"]})).json()
    assert [row["id"] for row in page["data"]] == [created["id"]]
    none = await partner.http.get("/v3/individuals", params={"email": "y" + values["email"]})
    assert none.json()["data"] == []
