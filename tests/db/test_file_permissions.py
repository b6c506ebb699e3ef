"""The SQLite database, its WAL files, ``var/`` and the generated secret are readable by the
owner only, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gangway.config import Settings
from gangway.db.engine import create_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: files 0644, directories 0755
    yield
    os.umask(previous)


def test_the_generated_secret_and_var_are_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = Settings(secret_key=None).resolved_secret_key()
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "secret_key") == 0o600
    assert Settings(secret_key=None).resolved_secret_key() == key  # read back, not regenerated


async def test_the_database_file_its_wal_files_and_new_directories_are_owner_only(
    tmp_path: Path,
) -> None:
    database = tmp_path / "var" / "data" / "gangway.db"
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{database}"))
    assert mode(database) == 0o600  # created before SQLite opens it
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "data") == 0o700
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (x INTEGER)"))
        await connection.execute(text("INSERT INTO t VALUES (1)"))
        wal = Path(f"{database}-wal")
        shm = Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert mode(wal) == 0o600 and mode(shm) == 0o600
    await engine.dispose()
    assert mode(database) == 0o600


async def test_an_existing_readable_database_is_tightened(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    database = shared / "old.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{database}"))
    assert mode(database) == 0o600
    await engine.dispose()
    assert mode(shared) == 0o755  # an existing directory is left as it is
