"""Rate limiting: a token bucket per key, a sliding-window failure counter, progressive delays.

The limiters (:class:`TokenBucket`, :class:`FailureThrottle`, :class:`ProgressiveDelay`) hold the
rules; a :class:`LimiterStore` holds the counts and the clock. ``bootstrap.build_services`` picks
the store by the settings:

- Redis (``GANGWAY_REDIS_URL`` set, whatever the database): every process shares the counts;
  each step is one Lua script, timed by Redis's ``TIME`` (``gangway.db.redis_limits``).
- PostgreSQL: every process shares the counts in the ``shared_limits`` table; each step is one
  statement on a connection of its own, timed by the server's ``clock_timestamp()``
  (``gangway.db.shared_limits``).
- Otherwise (SQLite, one process by design) :class:`InProcessLimiterStore`: each process keeps
  its own counts, and with N processes the effective limit is N times the setting. Tests use it
  as the fake, with a clock they move.

Because the shared stores take the time from the server, processes whose clocks disagree still
agree on every count.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


@dataclass(frozen=True)
class WindowState:
    """A key's entries within its sliding window."""

    count: int
    # Seconds until the oldest of them leaves the window (0 when there is none).
    oldest_leaves_in: float


@dataclass(frozen=True)
class DelayState:
    """A key's consecutive failures, and the seconds since the last of them."""

    consecutive: int
    since_last: float


class LimiterStore(Protocol):
    """Where the limiters keep their counts. Every method is one atomic step of the store, timed
    by the store's own clock (so several processes sharing a store agree)."""

    async def take_token(self, key: str, rate: int) -> tuple[bool, float]:
        """Refill ``key``'s bucket (``rate`` tokens a second, at most ``rate``; a new bucket is
        full), then take one token if there is a whole one: ``(taken, tokens left)``."""
        ...

    async def window(self, key: str, seconds: float) -> WindowState:
        """``key``'s entries within the last ``seconds`` (read only)."""
        ...

    async def add_to_window(
        self, key: str, seconds: float, *, unless_count: int | None = None
    ) -> WindowState:
        """Record an entry now, unless the window already holds ``unless_count`` (>= 1) entries;
        answers the window as it was before."""
        ...

    async def delay_state(self, key: str, forget_after: float) -> DelayState | None:
        """``key``'s failures, or ``None`` when it has none or the last one is ``forget_after``
        seconds old."""
        ...

    async def add_delay_failure(self, key: str, window: float, forget_after: float) -> int:
        """Record a failure (counting from 1 again when the last is ``forget_after`` seconds
        old); answers the key's failures within the last ``window`` seconds."""
        ...

    async def forget(self, key: str) -> None:
        """Drop everything about ``key``."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class _Delay:
    consecutive: int  # failures since the last success (or since they were forgotten)
    last: float  # time of the last failure
    recent: list[float]  # failure times within the alert window


class InProcessLimiterStore:
    """The counts in this process's memory, on its monotonic clock (or one a test moves).

    Bounded: past ``max_keys`` keys of one kind, the least recently failing (or taking) goes
    first, so keys from many addresses cannot grow memory forever. Build one per limiter, so that
    one limiter's keys never push another's out.
    """

    def __init__(
        self, *, monotonic: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._monotonic = monotonic
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._windows: OrderedDict[str, list[float]] = OrderedDict()
        self._delays: OrderedDict[str, _Delay] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets) + len(self._windows) + len(self._delays)

    async def take_token(self, key: str, rate: int) -> tuple[bool, float]:
        now = self._monotonic()
        tokens, last = self._buckets.pop(key, (float(rate), now))
        tokens = min(float(rate), tokens + (now - last) * rate)
        taken = tokens >= 1.0
        if taken:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return taken, tokens

    def _recent(self, key: str, seconds: float, now: float) -> list[float]:
        recent = [t for t in self._windows.get(key, []) if t > now - seconds]
        if recent:
            self._windows[key] = recent
        else:
            self._windows.pop(key, None)
        return recent

    @staticmethod
    def _state(recent: list[float], seconds: float, now: float) -> WindowState:
        return WindowState(len(recent), recent[0] + seconds - now if recent else 0.0)

    async def window(self, key: str, seconds: float) -> WindowState:
        now = self._monotonic()
        return self._state(self._recent(key, seconds, now), seconds, now)

    async def add_to_window(
        self, key: str, seconds: float, *, unless_count: int | None = None
    ) -> WindowState:
        now = self._monotonic()
        recent = self._recent(key, seconds, now)
        if unless_count is None or len(recent) < unless_count:
            self._windows[key] = [*recent, now]
            self._windows.move_to_end(key)
            while len(self._windows) > self._max_keys:
                self._windows.popitem(last=False)
        return self._state(recent, seconds, now)

    def _delay(self, key: str, forget_after: float, now: float) -> _Delay | None:
        state = self._delays.get(key)
        if state is not None and now - state.last >= forget_after:
            del self._delays[key]
            return None
        return state

    async def delay_state(self, key: str, forget_after: float) -> DelayState | None:
        now = self._monotonic()
        state = self._delay(key, forget_after, now)
        return None if state is None else DelayState(state.consecutive, now - state.last)

    async def add_delay_failure(self, key: str, window: float, forget_after: float) -> int:
        now = self._monotonic()
        state = self._delay(key, forget_after, now) or _Delay(0, now, [])
        state.consecutive += 1
        state.last = now
        state.recent = [t for t in state.recent if t > now - window] + [now]
        self._delays[key] = state
        self._delays.move_to_end(key)
        while len(self._delays) > self._max_keys:
            self._delays.popitem(last=False)
        return len(state.recent)

    async def forget(self, key: str) -> None:
        self._buckets.pop(key, None)
        self._windows.pop(key, None)
        self._delays.pop(key, None)

    async def aclose(self) -> None:
        return None


class _Limiter:
    def __init__(
        self,
        name: str,
        store: LimiterStore | None,
        monotonic: Callable[[], float],
        max_keys: int,
    ) -> None:
        # The store's keys are "<name>:<key>", so limiters sharing one store never mix.
        self.name = name
        self.store: LimiterStore = (
            InProcessLimiterStore(monotonic=monotonic, max_keys=max_keys)
            if store is None
            else store
        )

    def _key(self, key: str) -> str:
        return f"{self.name}:{key}"


class TokenBucket(_Limiter):
    """``rate`` requests per second with bursts of up to ``rate``, per key."""

    def __init__(
        self,
        rate: int,
        *,
        store: LimiterStore | None = None,
        name: str = "bucket",
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        super().__init__(name, store, monotonic, max_keys)
        self.rate = rate

    async def take(self, key: str) -> Decision:
        allowed, tokens = await self.store.take_token(self._key(key), self.rate)
        reset = 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) / self.rate)
        return Decision(allowed, self.rate, int(tokens), max(reset, 0 if allowed else 1))


class FailureThrottle(_Limiter):
    """Counts failures per key in a sliding window; over ``allowed`` the key is refused."""

    def __init__(
        self,
        allowed: int,
        window_seconds: int,
        *,
        store: LimiterStore | None = None,
        name: str = "failures",
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        super().__init__(name, store, monotonic, max_keys)
        self.allowed = allowed
        self.window = window_seconds

    def _wait(self, state: WindowState) -> int | None:
        if state.count < self.allowed:
            return None
        return max(1, math.ceil(state.oldest_leaves_in))

    async def retry_after(self, key: str) -> int | None:
        """Seconds to wait when the key is over its allowance, else ``None``."""
        return self._wait(await self.store.window(self._key(key), self.window))

    async def fail(self, key: str) -> None:
        await self.store.add_to_window(self._key(key), self.window)

    async def hit(self, key: str) -> int | None:
        """Count an attempt unless the key is over its allowance, in one atomic step: ``None``
        when it counted, else the seconds to wait (:meth:`retry_after` then :meth:`fail`, without
        the gap in which concurrent attempts all pass the check)."""
        return self._wait(
            await self.store.add_to_window(self._key(key), self.window, unless_count=self.allowed)
        )

    async def reset(self, key: str) -> None:
        await self.store.forget(self._key(key))


class ProgressiveDelay(_Limiter):
    """Failures per key slow the key down; they never lock it.

    After ``free`` failures the key must wait ``2 ** (failures - free)`` seconds after its last
    failure (1, 2, 4 ... capped at ``max_delay``) before the next attempt counts; the right
    password after the wait works. An attempt refused for waiting is not a failure, so the wait
    only grows with real attempts, and an attacker can slow an account to one try per
    ``max_delay``, not shut it out. A success resets the key (:meth:`reset`); failures are
    forgotten ``forget_after`` seconds after the last one. :meth:`fail` answers how many failures
    the key had within ``window`` seconds, for alerts.
    """

    def __init__(
        self,
        free: int = 5,
        max_delay: int = 900,
        *,
        window: int = 3600,
        forget_after: int = 24 * 3600,
        store: LimiterStore | None = None,
        name: str = "delay",
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        super().__init__(name, store, monotonic, max_keys)
        self.free = free
        self.max_delay = max_delay
        self.window = window
        self.forget_after = forget_after

    def delay_for(self, failures: int) -> float:
        """Seconds to wait after the last of ``failures`` consecutive failures."""
        if failures < self.free:
            return 0.0
        return float(min(self.max_delay, 2 ** min(failures - self.free, 62)))

    async def retry_after(self, key: str) -> int | None:
        """Whole seconds until the key's next attempt counts, or ``None`` when it may try now."""
        state = await self.store.delay_state(self._key(key), self.forget_after)
        if state is None:
            return None
        wait = self.delay_for(state.consecutive) - state.since_last
        return math.ceil(wait) if wait > 0 else None

    async def fail(self, key: str) -> int:
        """Record a failure; returns the key's failures within the last ``window`` seconds."""
        return await self.store.add_delay_failure(self._key(key), self.window, self.forget_after)

    async def reset(self, key: str) -> None:
        await self.store.forget(self._key(key))
