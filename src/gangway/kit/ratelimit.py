"""In-process rate limiting: a token bucket per key and a failure counter per client address.

Each API process keeps its own buckets; with N processes behind a balancer the effective limit is
up to N times the setting (documented in docs/operations.md).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class TokenBucket:
    """``rate`` requests per second with bursts of up to ``rate``, per key."""

    def __init__(
        self, rate: int, *, monotonic: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.rate = rate
        self._monotonic = monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._max_keys = max_keys

    def take(self, key: str) -> Decision:
        now = self._monotonic()
        tokens, last = self._buckets.pop(key, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        reset = 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) / self.rate)
        return Decision(allowed, self.rate, int(tokens), max(reset, 0 if allowed else 1))


class FailureThrottle:
    """Counts failures per key in a sliding window; over ``allowed`` the key is refused."""

    def __init__(
        self,
        allowed: int,
        window_seconds: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.allowed = allowed
        self.window = window_seconds
        self._monotonic = monotonic
        # Bounded, oldest first out: failures from many addresses cannot grow memory forever.
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._max_keys = max_keys

    def _recent(self, key: str) -> list[float]:
        cutoff = self._monotonic() - self.window
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when the key is over its allowance, else ``None``."""
        recent = self._recent(key)
        if len(recent) < self.allowed:
            return None
        return max(1, math.ceil(recent[0] + self.window - self._monotonic()))

    def fail(self, key: str) -> None:
        recent = self._recent(key)
        self._failures[key] = [*recent, self._monotonic()]
        self._failures.move_to_end(key)
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)


@dataclass
class _DelayState:
    consecutive: int  # failures since the last success (or since they were forgotten)
    last: float  # monotonic time of the last failure
    recent: list[float]  # failure times within the alert window


class ProgressiveDelay:
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
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.free = free
        self.max_delay = max_delay
        self.window = window
        self.forget_after = forget_after
        self._monotonic = monotonic
        self._states: OrderedDict[str, _DelayState] = OrderedDict()
        self._max_keys = max_keys

    def delay_for(self, failures: int) -> float:
        """Seconds to wait after the last of ``failures`` consecutive failures."""
        if failures < self.free:
            return 0.0
        return float(min(self.max_delay, 2 ** min(failures - self.free, 62)))

    def _state(self, key: str, now: float) -> _DelayState | None:
        state = self._states.get(key)
        if state is not None and now - state.last >= self.forget_after:
            del self._states[key]
            return None
        return state

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until the key's next attempt counts, or ``None`` when it may try now."""
        now = self._monotonic()
        state = self._state(key, now)
        if state is None:
            return None
        wait = state.last + self.delay_for(state.consecutive) - now
        return math.ceil(wait) if wait > 0 else None

    def fail(self, key: str) -> int:
        """Record a failure; returns the key's failures within the last ``window`` seconds."""
        now = self._monotonic()
        state = self._state(key, now) or _DelayState(0, now, [])
        state.consecutive += 1
        state.last = now
        state.recent = [t for t in state.recent if t > now - self.window] + [now]
        self._states[key] = state
        self._states.move_to_end(key)
        while len(self._states) > self._max_keys:
            self._states.popitem(last=False)
        return len(state.recent)

    def reset(self, key: str) -> None:
        self._states.pop(key, None)
