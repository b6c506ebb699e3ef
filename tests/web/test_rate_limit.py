from __future__ import annotations

import httpx
import pytest

from tests.conftest import make_settings, new_partner


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url, rate_limit_per_second=5)


async def test_rate_limit_headers_and_429_beyond_the_limit(app) -> None:  # type: ignore[no-untyped-def]
    from gangway.kit.ratelimit import TokenBucket

    partner = await new_partner(app)
    # A stopped monotonic clock: no refill during the test, so the outcome is exact.
    app.state.services.rate_limiter = TokenBucket(5, monotonic=lambda: 100.0)
    responses: list[httpx.Response] = [await partner.http.get("/v3/individuals") for _ in range(8)]
    assert responses[0].status_code == 200
    assert responses[0].headers["RateLimit-Limit"] == "5"
    assert int(responses[0].headers["RateLimit-Remaining"]) <= 4
    assert "RateLimit-Reset" in responses[0].headers
    limited = [r for r in responses if r.status_code == 429]
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 3
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert int(limited[0].headers["Retry-After"]) >= 1
    await partner.http.aclose()


def test_failure_throttle_refuses_after_the_allowance_and_forgets_after_the_window() -> None:
    from gangway.kit.ratelimit import FailureThrottle

    now = [1000.0]
    throttle = FailureThrottle(3, 60, monotonic=lambda: now[0], max_keys=2)
    for _ in range(3):
        assert throttle.retry_after("1.2.3.4") is None
        throttle.fail("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 60
    now[0] += 61
    assert throttle.retry_after("1.2.3.4") is None
    # Bounded memory: the oldest key goes first.
    for key in ("a", "b", "c"):
        throttle.fail(key)
    assert throttle.retry_after("a") is None and len(throttle._failures) == 2


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_progressive_delay_starts_after_the_free_failures_and_doubles() -> None:
    from gangway.kit.ratelimit import ProgressiveDelay

    clock = FakeMonotonic()
    delays = ProgressiveDelay(free=5, max_delay=900, monotonic=clock)
    for _ in range(4):
        delays.fail("email:a")
        assert delays.retry_after("email:a") is None
    waits = []
    for _ in range(5):
        delays.fail("email:a")
        waits.append(delays.retry_after("email:a"))
        clock.now += waits[-1] or 0  # wait exactly as long as asked
        assert delays.retry_after("email:a") is None
    assert waits == [1, 2, 4, 8, 16]


def test_progressive_delay_is_capped_so_the_key_is_never_locked_for_good() -> None:
    from gangway.kit.ratelimit import ProgressiveDelay

    clock = FakeMonotonic()
    delays = ProgressiveDelay(free=5, max_delay=900, monotonic=clock)
    for _ in range(60):
        delays.fail("email:a")
    assert delays.retry_after("email:a") == 900
    clock.now += 899.5
    assert delays.retry_after("email:a") == 1
    clock.now += 0.5
    assert delays.retry_after("email:a") is None


def test_progressive_delay_asking_does_not_extend_the_wait() -> None:
    from gangway.kit.ratelimit import ProgressiveDelay

    clock = FakeMonotonic()
    delays = ProgressiveDelay(free=1, max_delay=900, monotonic=clock)
    delays.fail("k")
    for _ in range(100):  # refused attempts while waiting
        assert delays.retry_after("k") == 1
    clock.now += 1
    assert delays.retry_after("k") is None


def test_progressive_delay_success_resets_and_old_failures_are_forgotten() -> None:
    from gangway.kit.ratelimit import ProgressiveDelay

    clock = FakeMonotonic()
    delays = ProgressiveDelay(free=2, max_delay=900, forget_after=3600, monotonic=clock)
    for _ in range(3):
        delays.fail("k")
    assert delays.retry_after("k") == 2
    delays.reset("k")
    assert delays.retry_after("k") is None
    delays.fail("k")
    assert delays.retry_after("k") is None  # counting starts again
    for _ in range(5):
        delays.fail("k")
    clock.now += 3600
    assert delays.retry_after("k") is None
    delays.fail("k")
    assert delays.retry_after("k") is None  # forgotten: one failure, within the free ones


def test_progressive_delay_counts_failures_within_the_window_and_bounds_memory() -> None:
    from gangway.kit.ratelimit import ProgressiveDelay

    clock = FakeMonotonic()
    delays = ProgressiveDelay(free=100, window=3600, monotonic=clock, max_keys=2)
    assert [delays.fail("k") for _ in range(3)] == [1, 2, 3]
    clock.now += 3000
    assert delays.fail("k") == 4
    clock.now += 700  # the first three are now older than the window
    assert delays.fail("k") == 2
    for key in ("a", "b"):
        delays.fail(key)
    assert len(delays._states) == 2 and "k" not in delays._states
