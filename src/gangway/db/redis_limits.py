"""The Redis limiter store: rate-limit counts every process shares, whatever the database.

Each step of a limiter is one Lua script, so Redis runs it atomically; the time is Redis's
``TIME``, so processes with skewed clocks agree (tests may pass ``clock`` to stop it). Every key
has a TTL: a bucket lives a minute after its last take, a window as long as the window, a delay
as long as it is remembered. Keys start with ``GANGWAY_REDIS_KEY_PREFIX``.

Numbers are written with ``%.17g`` (Lua's ``tostring`` keeps 14 digits, too few for epoch
seconds with microseconds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from gangway.kit.ratelimit import DelayState, WindowState

BUCKET_TTL_MS = 60_000

_PRELUDE = """
local function now()
  if ARGV[1] ~= '' then return tonumber(ARGV[1]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function fmt(x) return string.format('%.17g', x) end
"""

# KEYS[1] bucket; ARGV: now, rate, ttl_ms -> {taken (0/1), tokens}
TAKE_TOKEN = (
    _PRELUDE
    + """
local t = now()
local rate = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1]) or rate
local last = tonumber(state[2]) or t
tokens = math.min(rate, tokens + math.max(t - last, 0) * rate)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', fmt(tokens), 'last', fmt(t))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {taken, fmt(tokens)}
"""
)

# KEYS[1] list of times, oldest first; ARGV: now, seconds, add (0/1), unless ('' for none)
# -> {count before, seconds until the oldest leaves}
WINDOW = (
    _PRELUDE
    + """
local t = now()
local seconds = tonumber(ARGV[2])
local recent = {}
for _, x in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if tonumber(x) > t - seconds then recent[#recent + 1] = x end
end
local count = #recent
local oldest = 0
if count > 0 then oldest = tonumber(recent[1]) + seconds - t end
if ARGV[3] == '1' then
  local unless = tonumber(ARGV[4])
  if unless == nil or count < unless then recent[#recent + 1] = fmt(t) end
  redis.call('DEL', KEYS[1])
  if #recent > 0 then
    redis.call('RPUSH', KEYS[1], unpack(recent))
    redis.call('PEXPIRE', KEYS[1], math.ceil(seconds * 1000))
  end
end
return {count, fmt(oldest)}
"""
)

# KEYS[1] hash c (consecutive), l (last), r (recent times, comma-separated); ARGV: now, forget
# -> nil, or {consecutive, seconds since the last}
DELAY_STATE = (
    _PRELUDE
    + """
local t = now()
local state = redis.call('HMGET', KEYS[1], 'c', 'l')
if not state[1] then return false end
local since = t - tonumber(state[2])
if since >= tonumber(ARGV[2]) then return false end
return {tonumber(state[1]), fmt(since)}
"""
)

# KEYS[1] as above; ARGV: now, window, forget -> failures within the window
ADD_DELAY_FAILURE = (
    _PRELUDE
    + """
local t = now()
local window = tonumber(ARGV[2])
local forget = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'c', 'l', 'r')
local consecutive = 0
local recent = {}
if state[1] and t - tonumber(state[2]) < forget then
  consecutive = tonumber(state[1])
  for x in string.gmatch(state[3] or '', '[^,]+') do
    if tonumber(x) > t - window then recent[#recent + 1] = x end
  end
end
recent[#recent + 1] = fmt(t)
redis.call('HSET', KEYS[1], 'c', consecutive + 1, 'l', fmt(t), 'r', table.concat(recent, ','))
redis.call('PEXPIRE', KEYS[1], math.ceil(forget * 1000))
return #recent
"""
)


class RedisLimiterStore:
    """:class:`gangway.kit.ratelimit.LimiterStore` on Redis (see the module docstring)."""

    def __init__(
        self, redis: Redis, *, prefix: str, clock: Callable[[], float] | None = None
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._take = redis.register_script(TAKE_TOKEN)
        self._window = redis.register_script(WINDOW)
        self._delay_state = redis.register_script(DELAY_STATE)
        self._add_delay = redis.register_script(ADD_DELAY_FAILURE)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str, clock: Callable[[], float] | None = None
    ) -> RedisLimiterStore:
        # Short timeouts: a limiter that cannot reach Redis fails the request quickly (closed:
        # an unreachable store never means unlimited login attempts).
        redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return cls(redis, prefix=prefix, clock=clock)

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock())

    async def _call(self, script: Any, key: str, *args: object) -> Any:
        return await script(keys=[self._prefix + key], args=[self._now(), *args])

    async def take_token(self, key: str, rate: int) -> tuple[bool, float]:
        taken, tokens = await self._call(self._take, key, rate, BUCKET_TTL_MS)
        return taken == 1, float(tokens)

    async def window(self, key: str, seconds: float) -> WindowState:
        count, oldest = await self._call(self._window, key, repr(float(seconds)), 0, "")
        return WindowState(int(count), float(oldest))

    async def add_to_window(
        self, key: str, seconds: float, *, unless_count: int | None = None
    ) -> WindowState:
        unless = "" if unless_count is None else unless_count
        count, oldest = await self._call(self._window, key, repr(float(seconds)), 1, unless)
        return WindowState(int(count), float(oldest))

    async def delay_state(self, key: str, forget_after: float) -> DelayState | None:
        state = await self._call(self._delay_state, key, repr(float(forget_after)))
        if state is None:
            return None
        consecutive, since_last = state
        return DelayState(int(consecutive), float(since_last))

    async def add_delay_failure(self, key: str, window: float, forget_after: float) -> int:
        failures = await self._call(
            self._add_delay, key, repr(float(window)), repr(float(math.ceil(forget_after)))
        )
        return int(failures)

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def aclose(self) -> None:
        await self._redis.aclose()
