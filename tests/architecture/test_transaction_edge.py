"""The transaction edge: a nested write transaction fails at once, and a WebAuthn challenge is
consumed even when what follows rolls back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gangway.db.session import NestedWriteTransaction, transaction
from gangway.models import FlowSession
from tests.conftest import PartnerHandle, create_individual


async def test_a_nested_write_transaction_fails_at_once(services: Any, is_postgres: bool) -> None:
    if is_postgres:
        pytest.skip("the write gate exists on SQLite only (PostgreSQL has real row locks)")
    async with transaction(services.sessions):
        with pytest.raises(NestedWriteTransaction):
            async with asyncio.timeout(2):  # not the gate's 30 s wait
                async with transaction(services.sessions):
                    pass


async def test_a_passkey_challenge_is_used_up_by_a_failed_registration(
    app: Any, services: Any, partner: PartnerHandle
) -> None:
    from tests.onboarding.conftest import FlowClient, fill_until, onboard

    individual = await create_individual(partner)
    link = await onboard(partner, individual["id"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        flow = FlowClient(http)
        await flow.start(link["token"])
        await fill_until(flow, "security")
        await flow.get("/flow/onboarding/security")
        headers = {"X-CSRF-Token": flow.csrf(), "Content-Type": "application/json"}
        options = await http.post("/flow/passkey-options", headers=headers)
        assert options.status_code == 200
        refused = await http.post(
            "/flow/passkey-register", content=b'{"id": "x", "response": {}}', headers=headers
        )
        assert refused.status_code == 400
        async with transaction(services.read_sessions) as session:
            challenges = list(await session.scalars(select(FlowSession.webauthn_challenge)))
        assert challenges == [None]  # the refused request's rollback did not restore it
        again = await http.post(
            "/flow/passkey-register", content=b'{"id": "x", "response": {}}', headers=headers
        )
        assert again.status_code == 400  # no challenge left: ask for new options first
