"""``db.session.GroupCommit``: concurrent units of work share transactions; one failure is theirs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.db.session import GroupCommit, transaction
from gangway.models import IdempotencyRecord
from gangway.services import Services
from tests.conftest import PartnerHandle


def _unit(partner_id: uuid.UUID, key: str, *, fails: bool = False):  # type: ignore[no-untyped-def]
    async def run(session: AsyncSession) -> str:
        now = datetime.now(UTC)
        await session.execute(
            insert(IdempotencyRecord).values(
                partner_id=partner_id,
                key=key,
                request_hash="h",
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
        if fails:
            raise ValueError(key)
        return key

    return run


async def _keys(services: Services) -> set[str]:
    async with transaction(services.sessions) as session:
        return set((await session.scalars(select(IdempotencyRecord.key))).all())


async def test_concurrent_units_commit_together(services: Services, partner: PartnerHandle) -> None:
    partner_id = uuid.UUID(partner.partner_id)
    group: GroupCommit[str] = GroupCommit(services.sessions, max_batch=50)
    commits: list[object] = []
    engine = services.engine.sync_engine

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", count)
    try:
        keys = await asyncio.gather(*(group.run(_unit(partner_id, f"k{i}")) for i in range(20)))
    finally:
        event.remove(engine, "commit", count)
    assert keys == [f"k{i}" for i in range(20)]
    assert {f"k{i}" for i in range(20)} <= await _keys(services)
    assert 1 <= len(commits) <= 2  # twenty units, not twenty transactions


async def test_a_failing_unit_fails_alone(services: Services, partner: PartnerHandle) -> None:
    partner_id = uuid.UUID(partner.partner_id)
    group: GroupCommit[str] = GroupCommit(services.sessions, max_batch=50)
    results = await asyncio.gather(
        *(group.run(_unit(partner_id, f"f{i}", fails=i == 3)) for i in range(8)),
        return_exceptions=True,
    )
    assert isinstance(results[3], ValueError)
    assert [r for i, r in enumerate(results) if i != 3] == [f"f{i}" for i in range(8) if i != 3]
    stored = await _keys(services)
    assert {f"f{i}" for i in range(8) if i != 3} <= stored
    assert "f3" not in stored


async def test_drained_waits_for_queued_units(services: Services, partner: PartnerHandle) -> None:
    partner_id = uuid.UUID(partner.partner_id)
    group: GroupCommit[str] = GroupCommit(services.sessions, max_batch=2)
    pending = [asyncio.create_task(group.run(_unit(partner_id, f"d{i}"))) for i in range(5)]
    await asyncio.sleep(0)
    await group.drained()
    assert {f"d{i}" for i in range(5)} <= await _keys(services)
    assert all(task.done() for task in pending)
