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
