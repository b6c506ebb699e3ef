"""Migration 0012 encrypts what earlier versions stored in plaintext, on both backends."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Date, DateTime, LargeBinary, Uuid, bindparam, inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from gangway.bootstrap import build_services
from gangway.db.migrate import upgrade
from gangway.kit import normalise
from gangway.kit.crypto import Sealer, derive_key
from gangway.models import IdentityFingerprint, Individual, OnboardingDraft, OnboardingSubmission
from gangway.onboarding.documents import load_document_bytes
from tests.conftest import TEST_SECRET, make_settings
from tests.db.test_migrations import empty_database  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _ts(url: str) -> datetime:
    return NOW.replace(tzinfo=None) if url.startswith("sqlite") else NOW


def sql(statement: str, params: dict[str, Any]) -> Any:
    """``text()`` with each parameter typed like the column it fills (UUIDs as the models store
    them on either backend)."""
    kinds = {
        uuid.UUID: Uuid(),
        datetime: DateTime(timezone=True),
        date: Date(),
        bytes: LargeBinary(),
    }
    typed = [
        bindparam(name, type_=kinds[type(value)])
        for name, value in params.items()
        if type(value) in kinds
    ]
    return text(statement).bindparams(*typed)


async def _fill_0011(url: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("partner", "individual", "submission", "document")}
    engine = create_async_engine(url)
    now = _ts(url)
    old_documents = Sealer(derive_key(TEST_SECRET, "documents"))
    data = {
        "email": "legacy.person@example.com",
        "personal": {"first_name": "Legacy", "last_name": "Plaintextsson"},
        "document": {"number": "LP1234567", "issuing_country": "SE"},
    }
    async with engine.begin() as connection:
        await _run(
            connection,
            (
                "INSERT INTO partners (id, name, public_key, created_at) VALUES (:id, 'Old', 'pk_old', :now)"
            ),
            {"id": ids["partner"], "now": now},
        )
        await _run(
            connection,
            (
                "INSERT INTO individuals (id, partner_id, status, first_name, last_name, email, "
                "phone_number, date_of_birth, address, created_at, updated_at, version) VALUES "
                "(:id, :partner, 'onboarding_data_provided', 'Legacy', 'Plaintextsson', "
                "'legacy.person@example.com', '+46701234567', :born, :address, :now, :now, 1)"
            ),
            {
                "id": ids["individual"],
                "partner": ids["partner"],
                "born": date(1960, 2, 29),
                "address": json.dumps({"country_code": "SE", "street1": "Gamla vägen 1"}),
                "now": now,
            },
        )
        await _run(
            connection,
            (
                "INSERT INTO onboarding_drafts (id, individual_id, partner_id, data, completed_steps, "
                "created_at, updated_at) VALUES (:id, :ind, :partner, :data, '[]', :now, :now)"
            ),
            {
                "id": uuid.uuid4(),
                "ind": ids["individual"],
                "partner": ids["partner"],
                "data": json.dumps({"personal": {"first_name": "Legacy"}}),
                "now": now,
            },
        )
        await _run(
            connection,
            (
                "INSERT INTO onboarding_submissions (id, individual_id, partner_id, data, "
                "check_results, risk_level, created_at) VALUES (:id, :ind, :partner, :data, "
                ":checks, 'low', :now)"
            ),
            {
                "id": ids["submission"],
                "ind": ids["individual"],
                "partner": ids["partner"],
                "data": json.dumps(data),
                "checks": json.dumps([{"check": "sanctions", "detail": {"name": "Legacy"}}]),
                "now": now,
            },
        )
        content = b"\x89PNG legacy document bytes"
        await _run(
            connection,
            (
                "INSERT INTO documents (id, individual_id, partner_id, submission_id, kind, "
                "content_type, size, sha256, sealed, created_at) VALUES (:id, :ind, :partner, "
                ":sub, 'document_front', 'image/png', :size, :sha, :sealed, :now)"
            ),
            {
                "id": ids["document"],
                "ind": ids["individual"],
                "partner": ids["partner"],
                "sub": ids["submission"],
                "size": len(content),
                "sha": hashlib.sha256(content).hexdigest(),
                "sealed": old_documents.seal(content, str(ids["document"]).encode()),
                "now": now,
            },
        )
        await _run(
            connection,
            (
                "INSERT INTO identity_fingerprints (id, kind, value_hash, individual_id, partner_id, "
                "created_at) VALUES (:id, 'email', :hash, :ind, :partner, :now)"
            ),
            {
                "id": uuid.uuid4(),
                "hash": hashlib.sha256(b"email:legacy.person@example.com").hexdigest(),
                "ind": ids["individual"],
                "partner": ids["partner"],
                "now": now,
            },
        )
    await engine.dispose()
    return ids


async def _run(connection: Any, statement: str, params: dict[str, Any]) -> None:
    await connection.execute(sql(statement, params), params)


async def test_0012_encrypts_existing_rows_and_drops_the_plaintext(
    empty_database: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    monkeypatch.setenv("GANGWAY_SECRET_KEY", TEST_SECRET)
    url = empty_database
    await asyncio.to_thread(upgrade, url, "0011")
    ids = await _fill_0011(url)
    await asyncio.to_thread(upgrade, url, "0012")

    services = build_services(make_settings(url))
    try:
        async with services.read_sessions() as session:
            person = await session.get(Individual, ids["individual"])
            assert person is not None
            assert (person.first_name, person.last_name) == ("Legacy", "Plaintextsson")
            assert person.email == "legacy.person@example.com"
            assert person.date_of_birth == date(1960, 2, 29)
            assert person.address == {"country_code": "SE", "street1": "Gamla vägen 1"}
            keyring = services.keyring
            assert person.email_index == keyring.blind_index(
                "email", normalise.email("legacy.person@example.com")
            )
            draft = await session.scalar(select(OnboardingDraft))
            assert draft is not None and draft.data == {"personal": {"first_name": "Legacy"}}
            submission = await session.get(OnboardingSubmission, ids["submission"])
            assert (
                submission is not None and submission.data["email"] == "legacy.person@example.com"
            )
            assert submission.check_results == [
                {"check": "sanctions", "detail": {"name": "Legacy"}}
            ]
            _, content = await load_document_bytes(session, ids["document"])
            assert content == b"\x89PNG legacy document bytes"
            fingerprint = await session.scalar(select(IdentityFingerprint.value_hash))
            assert fingerprint == keyring.blind_index(
                "email", normalise.email("legacy.person@example.com")
            )

            def columns(sync_session, table: str) -> set[str]:  # type: ignore[no-untyped-def]
                return {c["name"] for c in inspect(sync_session.connection()).get_columns(table)}

            individual_columns = await session.run_sync(columns, "individuals")
            assert not individual_columns & {"first_name", "email", "date_of_birth", "address"}
            assert "data" not in await session.run_sync(columns, "onboarding_submissions")
            raw = await session.execute(text("SELECT sealed_data FROM individuals"))
            assert b"Plaintextsson" not in raw.scalar_one()
    finally:
        await services.aclose()
