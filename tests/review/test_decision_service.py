"""The decision service on its own: the version guard decides a lost race."""

from __future__ import annotations

import uuid

import pytest

from gangway.db.session import transaction
from gangway.individuals.decisions import (
    Actor,
    AlreadyDecided,
    Decision,
    decide,
    decisions_for,
    load_individual,
)
from gangway.models import ActorType
from gangway.services import Services

REVIEWER = Actor(ActorType.staff, str(uuid.uuid4()), "192.0.2.1")


@pytest.mark.postgres_only
async def test_stale_read_loses_to_a_committed_decision(
    services: Services, submitted: dict, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("two open write transactions need PostgreSQL (SQLite serialises writers)")
    now = services.clock.now()
    async with services.sessions() as first, services.sessions() as second:
        mine = await load_individual(first, submitted["id"])
        theirs = await load_individual(second, submitted["id"])  # the same version, read before
        await decide(first, mine, Decision.approve, actor=REVIEWER, now=now)
        await first.commit()
        with pytest.raises(AlreadyDecided, match="same moment"):
            await decide(
                second, theirs, Decision.reject, actor=REVIEWER, now=now, reason="risk_appetite"
            )
        await second.rollback()
    async with transaction(services.read_sessions) as session:
        assert (await load_individual(session, submitted["id"])).status == "activated"


async def test_decision_on_a_fresh_read_names_the_current_status(
    services: Services, submitted: dict
) -> None:
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        individual = await load_individual(session, submitted["id"])
        await decide(session, individual, Decision.approve, actor=REVIEWER, now=now)
    with pytest.raises(AlreadyDecided, match="the individual is activated"):
        async with transaction(services.sessions) as session:
            individual = await load_individual(session, submitted["id"])
            await decide(session, individual, Decision.approve, actor=REVIEWER, now=now)


def test_allowed_decisions_per_status() -> None:
    assert decisions_for("onboarding_data_provided") == [Decision.approve, Decision.reject]
    assert decisions_for("activated") == [Decision.block]
    assert decisions_for("blocked") == [Decision.unblock]
    assert decisions_for("pending_activation") == []


@pytest.mark.postgres_only
async def test_audit_entries_cannot_be_changed_in_postgresql(
    services: Services, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("the append-only trigger exists on PostgreSQL")
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from gangway.audit import service as audit

    async with transaction(services.sessions) as session:
        await audit.record(session, action="test.recorded", now=services.clock.now())
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with transaction(services.sessions) as session:
                await session.execute(text(statement))
