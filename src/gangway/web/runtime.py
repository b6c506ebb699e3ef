"""What a running app holds: settings, database, clock and the ports chosen by settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gangway.config import Settings
from gangway.db.engine import create_engine, create_sessionmaker
from gangway.kit.clock import Clock, SystemClock


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    secret_key: str
    # Called after a commit that wrote webhook deliveries, so an in-process worker wakes at once.
    wake_worker: Callable[[], None] = field(default=lambda: None)
    extras: dict[str, Any] = field(default_factory=dict)
    background: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        engine = create_engine(settings)
        read_engine = engine.execution_options(gangway_read_only=True)
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine, serialize_writes=settings.is_sqlite),
            read_sessions=create_sessionmaker(read_engine),
            clock=clock or SystemClock(),
            secret_key=settings.resolved_secret_key(),
        )
