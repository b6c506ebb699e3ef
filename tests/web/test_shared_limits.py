"""Limits shared across processes: two app instances (two ``Services`` built by
``build_services`` on one database) spend one budget. With N API processes an attacker gets no
more guesses than with one.

Runs on PostgreSQL (the ``shared_limits`` table) and with a real Redis. On SQLite without Redis
each process counts for itself, by design (docs/operations.md, "Shared limits"), so the
database case is skipped there.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from gangway import bootstrap
from gangway.app import create_app
from gangway.bootstrap import build_services
from gangway.config import Settings
from gangway.db.redis_limits import RedisLimiterStore
from gangway.db.session import transaction
from gangway.db.shared_limits import PostgresLimiterStore, purge_expired
from gangway.kit.clock import FrozenClock
from gangway.kit.ratelimit import TokenBucket
from gangway.models import SharedLimit, StaffRole
from gangway.review.staff import create_staff
from tests.conftest import START, _empty_tables, make_settings, new_partner
from tests.review.conftest import PASSWORD, csrf_of
from tests.support_server import free_port

SQLITE_IS_PER_PROCESS = (
    "SQLite without Redis: each process counts for itself, by design "
    "(docs/operations.md, Shared limits); this runs on PostgreSQL and with Redis"
)


@pytest.fixture(params=["database", "redis"])
def shared_settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    if request.param == "database":
        if not database_url.startswith("postgresql"):
            pytest.skip(SQLITE_IS_PER_PROCESS)
        return make_settings(database_url, rate_limit_per_second=5, redis_url=None)
    redis_url = request.getfixturevalue("redis_url")
    return make_settings(database_url, rate_limit_per_second=5, redis_url=redis_url)


@pytest.fixture
async def two_apps(shared_settings: Settings) -> AsyncIterator[tuple[Any, Any]]:
    """Two apps as two API processes would be: each its own ``Services`` (engines, limiters,
    store connections), one database, one Redis; the limiters' clock stopped."""

    def stopped() -> float:
        return 1000.0

    apps = [
        create_app(
            services=build_services(shared_settings, clock=FrozenClock(START), limits_clock=stopped)
        )
        for _ in range(2)
    ]
    assert apps[0].state.services.shared_limits is not apps[1].state.services.shared_limits
    await _empty_tables(apps[0].state.services)
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield apps[0], apps[1]


def client(app: Any, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 42000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_two_processes_share_one_api_keys_budget(two_apps: tuple[Any, Any]) -> None:
    app_a, app_b = two_apps
    partner = await new_partner(app_a)  # logs in through A; a login takes nothing from the budget
    async with client(app_b, "198.51.100.20") as via_b:
        via_b.headers["Authorization"] = partner.http.headers["Authorization"]
        answers = [await partner.http.get("/v3/individuals") for _ in range(5)]
        assert [r.status_code for r in answers] == [200] * 5
        assert answers[-1].headers["RateLimit-Remaining"] == "0"
        refused = await via_b.get("/v3/individuals")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.headers["Retry-After"] == "1"
        assert refused.headers["RateLimit-Limit"] == "5"
        assert refused.headers["RateLimit-Remaining"] == "0"
    await partner.http.aclose()


async def test_partner_login_failures_lock_the_address_out_on_every_process(
    two_apps: tuple[Any, Any],
) -> None:
    app_a, app_b = two_apps
    partner = await new_partner(app_a)
    settings: Settings = app_a.state.services.settings
    wrong = {"api_key": partner.api_key[:-4] + "0000"}
    async with client(app_a, "203.0.113.50") as via_a, client(app_b, "203.0.113.50") as via_b:
        for _ in range(settings.login_failures_allowed - 1):
            assert (await via_a.post("/v3/auth/login", json=wrong)).status_code == 401
        assert (await via_b.post("/v3/auth/login", json=wrong)).status_code == 401  # the last one
        for via in (via_a, via_b):
            refused = await via.post("/v3/auth/login", json={"api_key": partner.api_key})
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == str(settings.login_failure_window_seconds)
        # Another address is not affected.
        async with client(app_b, "203.0.113.51") as neighbour:
            answer = await neighbour.post("/v3/auth/login", json={"api_key": partner.api_key})
            assert answer.status_code == 200
    await partner.http.aclose()


async def staff_attempt(app: Any, ip: str, email: str, password: str) -> httpx.Response:
    async with client(app, ip) as http:
        form = await http.get("/admin/login")
        return await http.post(
            "/admin/login",
            data={"email": email, "password": password, "csrf_token": csrf_of(form.text)},
        )


async def test_staff_login_delays_count_on_every_process(two_apps: tuple[Any, Any]) -> None:
    app_a, app_b = two_apps
    services = app_a.state.services
    email = "reviewer@bank.example"
    async with transaction(services.sessions) as session:
        await create_staff(session, email, PASSWORD, StaffRole.reviewer, services.clock.now())
    free = services.settings.staff_login_free_failures_per_email
    for n in range(free):  # from several addresses: only the email's count reaches its limit
        failed = await staff_attempt(app_a, f"198.18.9.{n + 1}", email, "guess")
        assert failed.status_code == 401
    waited = await staff_attempt(app_b, "198.18.9.100", email, PASSWORD)
    assert waited.status_code == 429
    assert waited.headers["Retry-After"] == "1"


def test_build_services_chooses_the_store_by_the_settings(database_url: str) -> None:
    postgres = "postgresql+asyncpg://postgres@127.0.0.1:5432/not_connected_yet"
    sqlite = "sqlite+aiosqlite:///" + str(uuid.uuid4()) + ".db"
    redis = "redis://127.0.0.1:6379/0"
    assert bootstrap.shared_limit_store(make_settings(sqlite, redis_url=None)) is None
    assert isinstance(
        bootstrap.shared_limit_store(make_settings(postgres, redis_url=None)), PostgresLimiterStore
    )
    for url in (sqlite, postgres):  # Redis when set, whatever the database
        store = bootstrap.shared_limit_store(make_settings(url, redis_url=redis))
        assert isinstance(store, RedisLimiterStore)
    assert any(job.run is purge_expired for job in bootstrap.PERIODIC_JOBS)


@pytest.fixture
async def postgres_store(database_url: str) -> AsyncIterator[PostgresLimiterStore]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL store: this run is on SQLite (set GANGWAY_TEST_DATABASE_URL)")
    store = PostgresLimiterStore.for_settings(make_settings(database_url), clock=lambda: 1000.0)
    yield store
    await store.aclose()


async def test_the_postgres_store_counts_outside_the_callers_transaction(
    postgres_store: PostgresLimiterStore, database_url: str
) -> None:
    services = build_services(make_settings(database_url, redis_url=None))
    bucket = TokenBucket(1, store=postgres_store, name=f"tx-{uuid.uuid4().hex[:8]}")
    try:
        async with services.sessions() as session, session.begin():
            # The caller's transaction holds a lock on the key's row, as a request's would if
            # the take ran inside it; the store's own connection must not wait for it.
            await session.execute(text("SELECT 1"))
            assert (await bucket.take("k")).allowed
            await session.execute(
                text("SELECT key FROM shared_limits WHERE key = :key FOR UPDATE"),
                {"key": f"{bucket.name}:k"},
            )
            await session.rollback()
        # The take stayed although the caller's transaction rolled back.
        assert not (await bucket.take("k")).allowed
    finally:
        await services.aclose()


async def test_the_purge_job_deletes_the_rows_nobody_uses(
    postgres_store: PostgresLimiterStore, database_url: str
) -> None:
    services = build_services(make_settings(database_url, redis_url=None))
    bucket = TokenBucket(1, store=postgres_store, name=f"purge-{uuid.uuid4().hex[:8]}")
    try:
        await bucket.take("k")  # timed at 1000 s after the epoch: long expired
        async with transaction(services.sessions) as session:
            await purge_expired(session, START)
        async with transaction(services.read_sessions) as session:
            keys = await session.scalars(
                select(SharedLimit.key).where(SharedLimit.key == f"{bucket.name}:k")
            )
            assert list(keys) == []
    finally:
        await services.aclose()


async def test_an_unreachable_redis_fails_the_checked_requests_closed(database_url: str) -> None:
    """No store, no unchecked guesses: a login answers 503 (retry later), it never passes (the
    error handler takes the refused connection for an unavailable dependency)."""
    settings = make_settings(database_url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(services=build_services(settings, clock=FrozenClock(START)))
    await _empty_tables(app.state.services)
    # Starlette re-raises an unhandled error after its handler's response; look at the response.
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.60", 42000), raise_app_exceptions=False
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        answer = await http.post("/v3/auth/login", json={"api_key": "gw_sk_anything"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
