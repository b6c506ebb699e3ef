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
    app.state.runtime.extras["rate_limiter"] = TokenBucket(5, monotonic=lambda: 100.0)
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
