"""The PostgreSQL limiter store: rate-limit counts every API process shares, in one table.

Each step of a limiter is one statement (``INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING``,
or a plain read), so it is atomic by itself, and it runs on a connection of this store's own
pool in autocommit: never inside the request's transaction, where a hot key's row lock would
last as long as that transaction and serialise every request of one API key. A pool of its own
also means a request holding its session's connection never waits for a second one from the
same pool.

The time is the server's ``clock_timestamp()`` (seconds since the epoch), so API processes with
skewed clocks agree. Tests may pass ``clock`` to stop it. The table (``models.SharedLimit``) is
UNLOGGED; :func:`purge_expired` (a periodic job) deletes the rows nobody has used for a while.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import column, delete, table, text
from sqlalchemy.engine import Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from gangway.config import Settings
from gangway.db.types import UTCDateTime
from gangway.kit.ratelimit import DelayState, WindowState

# A full bucket is the same as no row; the row outlives its refill by a margin, for the purge.
BUCKET_ROW_SECONDS = 60

# Every statement starts from the same clock: the server's, or the one a test passes as :now.
TAKE_TOKEN = text(
    """
    WITH clock AS (SELECT coalesce(CAST(:now AS double precision),
                                   extract(epoch FROM clock_timestamp())::double precision) AS t)
    INSERT INTO shared_limits AS s (key, tokens, granted, last_at, expires_at)
    SELECT :key, CAST(:rate AS double precision) - 1, true, clock.t, to_timestamp(clock.t + :keep)
    FROM clock
    ON CONFLICT (key) DO UPDATE SET
        (tokens, granted) = (
            SELECT CASE WHEN refill.tokens >= 1 THEN refill.tokens - 1 ELSE refill.tokens END,
                   refill.tokens >= 1
            FROM (SELECT least(CAST(:rate AS double precision),
                               coalesce(s.tokens, CAST(:rate AS double precision))
                               + greatest(excluded.last_at - coalesce(s.last_at, excluded.last_at), 0)
                               * CAST(:rate AS double precision)) AS tokens) AS refill
        ),
        last_at = excluded.last_at,
        expires_at = excluded.expires_at
    RETURNING granted, tokens
    """
)
ADD_TO_WINDOW = text(
    """
    WITH clock AS (SELECT coalesce(CAST(:now AS double precision),
                                   extract(epoch FROM clock_timestamp())::double precision) AS t)
    INSERT INTO shared_limits AS s (key, times, granted, last_at, expires_at)
    SELECT :key, ARRAY[clock.t], true, clock.t,
           to_timestamp(clock.t + CAST(:seconds AS double precision))
    FROM clock
    ON CONFLICT (key) DO UPDATE SET
        (times, granted) = (
            SELECT CASE WHEN counts THEN recent || excluded.last_at ELSE recent END, counts
            FROM (SELECT recent, (CAST(:unless AS integer) IS NULL
                                  OR cardinality(recent) < CAST(:unless AS integer)) AS counts
                  FROM (SELECT ARRAY(
                            SELECT u.x FROM unnest(s.times) WITH ORDINALITY AS u(x, i)
                            WHERE u.x > excluded.last_at - CAST(:seconds AS double precision)
                            ORDER BY u.i) AS recent) AS window_now) AS decision
        ),
        last_at = excluded.last_at,
        expires_at = excluded.expires_at
    RETURNING granted, times, last_at
    """
)
ADD_DELAY_FAILURE = text(
    """
    WITH clock AS (SELECT coalesce(CAST(:now AS double precision),
                                   extract(epoch FROM clock_timestamp())::double precision) AS t)
    INSERT INTO shared_limits AS s (key, consecutive, last_at, times, expires_at)
    SELECT :key, 1, clock.t, ARRAY[clock.t],
           to_timestamp(clock.t + CAST(:forget AS double precision))
    FROM clock
    ON CONFLICT (key) DO UPDATE SET
        (consecutive, times) = (
            SELECT CASE WHEN forgotten THEN 1 ELSE s.consecutive + 1 END,
                   CASE WHEN forgotten THEN ARRAY[excluded.last_at]
                   ELSE ARRAY(SELECT u.x FROM unnest(s.times) WITH ORDINALITY AS u(x, i)
                              WHERE u.x > excluded.last_at - CAST(:window AS double precision)
                              ORDER BY u.i) || excluded.last_at END
            FROM (SELECT s.consecutive IS NULL OR s.last_at IS NULL
                         OR excluded.last_at - s.last_at >= CAST(:forget AS double precision)
                         AS forgotten) AS state
        ),
        last_at = excluded.last_at,
        expires_at = excluded.expires_at
    RETURNING cardinality(times)
    """
)
READ = text(
    """
    WITH clock AS (SELECT coalesce(CAST(:now AS double precision),
                                   extract(epoch FROM clock_timestamp())::double precision) AS t)
    SELECT clock.t, s.times, s.consecutive, s.last_at
    FROM clock LEFT JOIN shared_limits AS s ON s.key = :key
    """
)
FORGET = text("DELETE FROM shared_limits WHERE key = :key")


class PostgresLimiterStore:
    """:class:`gangway.kit.ratelimit.LimiterStore` on PostgreSQL (see the module docstring)."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], float] | None = None) -> None:
        self._engine = engine
        self._clock = clock

    @classmethod
    def for_settings(
        cls, settings: Settings, *, clock: Callable[[], float] | None = None
    ) -> PostgresLimiterStore:
        """A store with its own small autocommit pool on ``GANGWAY_DATABASE_URL``."""
        engine = create_async_engine(
            settings.database_url,
            hide_parameters=True,
            isolation_level="AUTOCOMMIT",
            pool_size=max(2, settings.database_pool_size // 2),
            max_overflow=settings.database_pool_size,
            pool_recycle=1800,
        )
        return cls(engine, clock=clock)

    async def _run(self, statement: Any, params: Mapping[str, object]) -> Result[Any]:
        values = {"now": None if self._clock is None else self._clock(), **params}
        for attempt in (1, 2):
            try:
                async with self._engine.connect() as connection:
                    result = await connection.execute(statement, values)
                    return result
            except DBAPIError as error:
                # A pooled connection the server closed (a restart): one new try, instead of a
                # pre-ping round trip on every checkout.
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    async def _row(self, statement: Any, params: Mapping[str, object]) -> tuple[Any, ...]:
        return tuple((await self._run(statement, params)).one())

    async def take_token(self, key: str, rate: int) -> tuple[bool, float]:
        granted, tokens = await self._row(
            TAKE_TOKEN, {"key": key, "rate": rate, "keep": BUCKET_ROW_SECONDS}
        )
        return bool(granted), float(tokens)

    async def _read(self, key: str) -> tuple[float, list[float], int | None, float | None]:
        now, times, consecutive, last_at = await self._row(READ, {"key": key})
        return float(now), list(times or ()), consecutive, last_at

    async def window(self, key: str, seconds: float) -> WindowState:
        now, times, _, _ = await self._read(key)
        recent = [t for t in times if t > now - seconds]
        return WindowState(len(recent), recent[0] + seconds - now if recent else 0.0)

    async def add_to_window(
        self, key: str, seconds: float, *, unless_count: int | None = None
    ) -> WindowState:
        granted, times, now = await self._row(
            ADD_TO_WINDOW, {"key": key, "seconds": seconds, "unless": unless_count}
        )
        before = list(times[:-1] if granted else times)
        return WindowState(len(before), before[0] + seconds - now if before else 0.0)

    async def delay_state(self, key: str, forget_after: float) -> DelayState | None:
        now, _, consecutive, last_at = await self._read(key)
        if consecutive is None or last_at is None or now - last_at >= forget_after:
            return None
        return DelayState(consecutive, now - last_at)

    async def add_delay_failure(self, key: str, window: float, forget_after: float) -> int:
        (failures,) = await self._row(
            ADD_DELAY_FAILURE,
            {"key": key, "window": window, "forget": float(math.ceil(forget_after))},
        )
        return int(failures)

    async def forget(self, key: str) -> None:
        await self._run(FORGET, {"key": key})

    async def aclose(self) -> None:
        await self._engine.dispose()


_shared_limits = table("shared_limits", column("expires_at", UTCDateTime()))


async def purge_expired(session: AsyncSession, now: datetime) -> None:
    """Delete the rows no limiter has touched for a while (a periodic job; idle on SQLite, where
    the table stays empty)."""
    await session.execute(delete(_shared_limits).where(_shared_limits.c.expires_at < now))
