"""The async engine and session factory, configured per backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import ConnectionPoolEntry

from gangway.config import Settings, make_private_directory
from gangway.db.session import WriteGate


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    # Errors must never carry SQL parameters (personal data) into logs.
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if settings.is_sqlite:
        _ensure_sqlite_directory(url)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # No pre-ping: it is a round trip on every checkout. A connection the server closed (a
        # restart) fails its request with 503 (``web.errors.database_unavailable``), and that
        # disconnect invalidates every older connection of the pool at once.
        kwargs.update(
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
            pool_recycle=1800,
        )
    engine = create_async_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _ensure_sqlite_directory(url: str) -> None:
    """Create the database's directory (0700 for the ones created) and the file itself (0600).

    The file is created before SQLite opens it, so it is never readable by others; SQLite gives
    its ``-wal`` and ``-shm`` files the database file's permissions. An existing file readable
    by others is tightened.
    """
    import contextlib
    import os
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if (
        not database
        or database == ":memory:"
        or parsed.query.get("uri")
        or database.startswith("file:")
    ):
        return
    path = Path(database)
    make_private_directory(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            current = file.stat().st_mode & 0o777
            if current & 0o077:
                file.chmod(current & 0o700)
        except FileNotFoundError:
            continue


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_on_begin) so that a transaction takes the
    # write lock up front: IMMEDIATE transactions serialise writers instead of failing with
    # "database is locked" on lock upgrade. WAL lets readers proceed during a write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # Read-only scopes (GET requests) begin deferred so that readers never queue for the lock.
    if connection.get_execution_options().get("gangway_read_only"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(
    engine: AsyncEngine, *, serialize_writes: bool = False, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions for ``engine``.

    ``serialize_writes`` (SQLite writers): transactions of this process queue on a
    :class:`WriteGate` before ``BEGIN IMMEDIATE``, since SQLite admits one writer anyway, and SQLite's own busy
    handler waits by sleeping and polling, which costs throughput and tail latency.
    """
    session_info = dict(info or {})
    if serialize_writes:
        session_info["write_gate"] = WriteGate()
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=session_info)
