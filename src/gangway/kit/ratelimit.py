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
