"""Migrations upgrade an empty database to the newest revision, and the models match them."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from gangway.db.migrate import alembic_config, upgrade
from gangway.models import Base


@pytest.fixture
def empty_database(database_url: str, tmp_path):  # type: ignore[no-untyped-def]
    """A brand-new empty database on the same backend as the suite."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"gangway_mig_{uuid.uuid4().hex[:10]}"
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    import asyncio

    import asyncpg

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin.replace("postgresql+asyncpg", "postgresql"))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _diff(url: str) -> list[object]:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    async def compare() -> list[object]:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        await engine.dispose()
        return list(diff)

    return asyncio.run(compare())


def test_migrations_upgrade_from_empty_and_match_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    assert _diff(empty_database) == []
    # Running again is a no-op.
    upgrade(empty_database)


def test_the_history_is_one_line_with_one_head(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1
    # Walking down from the head reaches every revision (no side branch is left out).
    assert len(list(script.walk_revisions())) == len(list(script.walk_revisions("base", "heads")))


def test_autogenerate_finds_nothing_to_do(empty_database: str) -> None:
    """What ``alembic revision --autogenerate`` would write for the next table starts empty:
    ``alembic check`` runs the same comparison and fails on any difference or on several heads."""
    upgrade(empty_database)
    command.check(alembic_config(empty_database))
