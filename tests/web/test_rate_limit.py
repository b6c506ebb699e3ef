"""The limiters' rules, against every store: in process, PostgreSQL (when the suite runs there)
and a real Redis. Each store is timed by a clock the test moves (``make_store(clock)``)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gangway.kit.ratelimit import FailureThrottle, ProgressiveDelay, TokenBucket
from tests.conftest import StoreFactory, make_settings, new_partner


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url, rate_limit_per_second=5)


async def test_rate_limit_headers_and_429_beyond_the_limit(app, make_store: StoreFactory) -> None:  # type: ignore[no-untyped-def]
    partner = await new_partner(app)
    # A stopped clock: no refill during the test, so the outcome is exact.
    app.state.services.rate_limiter = TokenBucket(5, store=make_store(lambda: 100.0))
    responses: list[httpx.Response] = [await partner.http.get("/v3/individuals") for _ in range(8)]
    assert responses[0].status_code == 200
    assert responses[0].headers["RateLimit-Limit"] == "5"
    assert int(responses[0].headers["RateLimit-Remaining"]) <= 4
    assert "RateLimit-Reset" in responses[0].headers
    limited = [r for r in responses if r.status_code == 429]
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 3
    assert [r.headers["RateLimit-Remaining"] for r in responses[:5]] == ["4", "3", "2", "1", "0"]
    assert [r.headers["RateLimit-Reset"] for r in responses[:5]] == ["0"] * 4 + ["1"]
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert limited[0].headers["Retry-After"] == "1"
    assert limited[0].headers["RateLimit-Remaining"] == "0"
    await partner.http.aclose()


async def test_token_bucket_refills_at_the_rate_up_to_one_burst(make_store: StoreFactory) -> None:
    now = [100.0]
    bucket = TokenBucket(5, store=make_store(lambda: now[0]))
    assert [(await bucket.take("k")).allowed for _ in range(6)] == [True] * 5 + [False]
    assert (await bucket.take("other")).allowed  # keys are independent
    now[0] += 0.2  # one token
    assert (await bucket.take("k")).allowed
    assert not (await bucket.take("k")).allowed
    now[0] += 60  # a full bucket, never more than one burst
    assert [(await bucket.take("k")).allowed for _ in range(6)] == [True] * 5 + [False]


async def test_concurrent_takes_never_grant_more_than_the_bucket_holds(
    make_store: StoreFactory,
) -> None:
    bucket = TokenBucket(5, store=make_store(lambda: 100.0))
    decisions = await asyncio.gather(*(bucket.take("hot-key") for _ in range(20)))
    assert sum(decision.allowed for decision in decisions) == 5


async def test_failure_throttle_refuses_after_the_allowance_and_forgets_after_the_window(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    throttle = FailureThrottle(3, 60, store=make_store(lambda: now[0]))
    for _ in range(3):
        assert await throttle.retry_after("1.2.3.4") is None
        await throttle.fail("1.2.3.4")
    assert await throttle.retry_after("1.2.3.4") == 60
    now[0] += 20
    assert await throttle.retry_after("1.2.3.4") == 40
    now[0] += 41
    assert await throttle.retry_after("1.2.3.4") is None
    await throttle.fail("1.2.3.4")
    await throttle.reset("1.2.3.4")
    assert await throttle.retry_after("1.2.3.4") is None


async def test_failure_throttle_memory_is_bounded_in_process() -> None:
    throttle = FailureThrottle(3, 60, monotonic=lambda: 1000.0, max_keys=2)
    # Bounded memory: the oldest key goes first.
    for key in ("a", "b", "c"):
        await throttle.fail(key)
    assert await throttle.retry_after("a") is None and len(throttle.store) == 2  # type: ignore[arg-type]


async def test_failure_throttle_hit_counts_and_refuses_in_one_step(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    throttle = FailureThrottle(3, 60, store=make_store(lambda: now[0]))
    # Concurrent attempts: exactly the allowance passes, however they interleave.
    answers = await asyncio.gather(*(throttle.hit("session") for _ in range(10)))
    assert answers.count(None) == 3
    assert set(answers) == {None, 60}
    now[0] += 30
    assert await throttle.hit("session") == 30  # a refused attempt does not count
    now[0] += 31
    assert await throttle.hit("session") is None


async def test_progressive_delay_starts_after_the_free_failures_and_doubles(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    delays = ProgressiveDelay(free=5, max_delay=900, store=make_store(lambda: now[0]))
    for _ in range(4):
        await delays.fail("email:a")
        assert await delays.retry_after("email:a") is None
    waits = []
    for _ in range(5):
        await delays.fail("email:a")
        waits.append(await delays.retry_after("email:a"))
        now[0] += waits[-1] or 0  # wait exactly as long as asked
        assert await delays.retry_after("email:a") is None
    assert waits == [1, 2, 4, 8, 16]


async def test_progressive_delay_is_capped_so_the_key_is_never_locked_for_good(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    delays = ProgressiveDelay(free=5, max_delay=900, store=make_store(lambda: now[0]))
    for _ in range(60):
        await delays.fail("email:a")
    assert await delays.retry_after("email:a") == 900
    now[0] += 899.5
    assert await delays.retry_after("email:a") == 1
    now[0] += 0.5
    assert await delays.retry_after("email:a") is None


async def test_progressive_delay_asking_does_not_extend_the_wait(make_store: StoreFactory) -> None:
    now = [1000.0]
    delays = ProgressiveDelay(free=1, max_delay=900, store=make_store(lambda: now[0]))
    await delays.fail("k")
    for _ in range(100):  # refused attempts while waiting
        assert await delays.retry_after("k") == 1
    now[0] += 1
    assert await delays.retry_after("k") is None


async def test_progressive_delay_success_resets_and_old_failures_are_forgotten(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    delays = ProgressiveDelay(
        free=2, max_delay=900, forget_after=3600, store=make_store(lambda: now[0])
    )
    for _ in range(3):
        await delays.fail("k")
    assert await delays.retry_after("k") == 2
    await delays.reset("k")
    assert await delays.retry_after("k") is None
    await delays.fail("k")
    assert await delays.retry_after("k") is None  # counting starts again
    for _ in range(5):
        await delays.fail("k")
    now[0] += 3600
    assert await delays.retry_after("k") is None
    await delays.fail("k")
    assert await delays.retry_after("k") is None  # forgotten: one failure, within the free ones


async def test_progressive_delay_counts_failures_within_the_window(
    make_store: StoreFactory,
) -> None:
    now = [1000.0]
    delays = ProgressiveDelay(free=100, window=3600, store=make_store(lambda: now[0]))
    assert [await delays.fail("k") for _ in range(3)] == [1, 2, 3]
    now[0] += 3000
    assert await delays.fail("k") == 4
    now[0] += 700  # the first three are now older than the window
    assert await delays.fail("k") == 2


async def test_progressive_delay_memory_is_bounded_in_process() -> None:
    delays = ProgressiveDelay(free=100, monotonic=lambda: 1000.0, max_keys=2)
    assert [await delays.fail("k") for _ in range(3)] == [1, 2, 3]
    for key in ("a", "b"):
        await delays.fail(key)
    assert len(delays.store) == 2  # type: ignore[arg-type]
    assert await delays.fail("k") == 1  # "k" went first, so it starts again


async def test_limiters_sharing_a_store_keep_their_keys_apart(make_store: StoreFactory) -> None:
    store = make_store(lambda: 1000.0)
    bucket = TokenBucket(1, store=store, name="api")
    throttle = FailureThrottle(1, 60, store=store, name="login")
    delays = ProgressiveDelay(free=1, store=store, name="staff")
    await throttle.fail("k")
    await delays.fail("k")
    assert (await bucket.take("k")).allowed
    assert await throttle.retry_after("k") == 60
    assert await delays.retry_after("k") == 1
    await throttle.reset("k")
    assert await throttle.retry_after("k") is None
    assert await delays.retry_after("k") == 1


async def test_the_store_clock_times_the_limits_when_no_clock_is_given(
    make_store: StoreFactory,
) -> None:
    """Without a test clock the store's own one counts (PostgreSQL's or Redis's on theirs)."""
    throttle = FailureThrottle(2, 60, store=make_store())
    await throttle.fail("k")
    await throttle.fail("k")
    assert await throttle.retry_after("k") in (59, 60)
    bucket = TokenBucket(1000, store=make_store())
    assert (await bucket.take("k")).remaining in range(990, 1000)
