"""Shared fixtures: a real database (SQLite file or PostgreSQL), the app over real ASGI HTTP,
a frozen clock, and partners with logged-in API clients.

The database comes from ``GANGWAY_TEST_DATABASE_URL`` (default: a SQLite file under the pytest
temp dir). Migrations run once per session; every test starts from empty tables.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.app import create_app
from gangway.auth import service as auth_service
from gangway.config import Settings
from gangway.db.migrate import upgrade
from gangway.db.session import transaction
from gangway.kit.clock import FrozenClock
from gangway.kit.ratelimit import LimiterStore
from gangway.models import Base
from gangway.services import Services

TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("GANGWAY_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "public_url": "http://testserver",
        "webhook_allow_private_targets": True,
        "log_format": "console",
        "rate_limit_per_second": 1000,
        # Each settings object its own Redis keys (when GANGWAY_REDIS_URL is set, or a test sets
        # redis_url): tests never see each other's counts, nor another run's on the same Redis.
        "redis_key_prefix": f"gangway-test:{uuid.uuid4().hex[:12]}:",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis (``GANGWAY_TEST_REDIS_URL``, default 127.0.0.1:6379). Unreachable: the test
    is skipped, unless ``GANGWAY_REQUIRE_REDIS=1`` (CI), where it fails."""
    url = os.environ.get("GANGWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        with Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except (RedisError, OSError) as error:
        reason = f"Redis is not reachable at {url} ({error}); GANGWAY_REQUIRE_REDIS=1 fails instead"
        if os.environ.get("GANGWAY_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


StoreFactory = Callable[..., LimiterStore]


@pytest.fixture(params=["in_process", "postgres", "redis"])
async def make_store(
    request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[StoreFactory]:
    """``make_store(clock)``: a limiter store of each kind, timed by ``clock`` (seconds; ``None``:
    the store's own clock). PostgreSQL runs when the suite does; Redis needs a real server."""
    from gangway.db.redis_limits import RedisLimiterStore
    from gangway.db.shared_limits import PostgresLimiterStore
    from gangway.kit.ratelimit import InProcessLimiterStore

    kind: str = request.param
    if kind == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL store: this run is on SQLite (set GANGWAY_TEST_DATABASE_URL)")
    redis = request.getfixturevalue("redis_url") if kind == "redis" else ""
    made: list[LimiterStore] = []

    def make(clock: Callable[[], float] | None = None) -> LimiterStore:
        store: LimiterStore
        if kind == "in_process":
            store = InProcessLimiterStore(monotonic=clock or time.monotonic)
        elif kind == "postgres":
            store = PostgresLimiterStore.for_settings(make_settings(database_url), clock=clock)
        else:
            store = RedisLimiterStore.from_url(
                redis, prefix=f"gangway-test:{uuid.uuid4().hex[:12]}:", clock=clock
            )
        made.append(store)
        return store

    if kind == "postgres":
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM shared_limits"))
        await engine.dispose()
    yield make
    for store in made:
        await store.aclose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


async def _empty_tables(services: Services) -> None:
    async with services.engine.begin() as connection:
        names = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if services.settings.is_sqlite:
            for name in names:
                await connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            await connection.execute(
                text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
            )


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock):  # type: ignore[no-untyped-def]
    application = create_app(settings, clock=clock)
    services: Services = application.state.services
    await _empty_tables(services)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def services(app) -> Services:  # type: ignore[no-untyped-def]
    return app.state.services  # type: ignore[no-any-return]


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def db(services: Services) -> AsyncIterator[AsyncSession]:
    """A session for arranging and inspecting data directly (committed on exit)."""
    async with transaction(services.sessions) as session:
        yield session


@dataclass
class PartnerHandle:
    partner_id: str
    api_key: str
    public_key: str
    http: httpx.AsyncClient
    access_token: str = ""
    refresh_token: str = ""

    async def login(self) -> None:
        response = await self.http.post("/v3/auth/login", json={"api_key": self.api_key})
        assert response.status_code == 200, response.text
        self.access_token = response.json()["access_token"]
        self.refresh_token = response.json()["refresh_token"]
        self.http.headers["Authorization"] = f"Bearer {self.access_token}"


async def new_partner(app, name: str = "Acme Pay") -> PartnerHandle:  # type: ignore[no-untyped-def]
    services: Services = app.state.services
    async with transaction(services.sessions) as session:
        partner, issued = await auth_service.create_partner(session, name, services.clock.now())
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50001))
    http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    handle = PartnerHandle(str(partner.id), issued.secret, partner.public_key, http)
    await handle.login()
    return handle


@pytest.fixture
async def partner(app) -> AsyncIterator[PartnerHandle]:  # type: ignore[no-untyped-def]
    handle = await new_partner(app, "Acme Pay")
    yield handle
    await handle.http.aclose()


@pytest.fixture
async def other_partner(app) -> AsyncIterator[PartnerHandle]:  # type: ignore[no-untyped-def]
    handle = await new_partner(app, "Other Fintech")
    yield handle
    await handle.http.aclose()


SEED_INDIVIDUAL = {
    "first_name": "John",
    "last_name": "de Mayor",
    "email": "m6dreey@goes.es",
    "phone_number": "46627211111",
    "date_of_birth": "1991-12-06",
    "address": {
        "country_code": "SE",
        "street1": "Mälarö torg 2",
        "city": "Ekerö",
        "region": "Ekerö",
        "postal_code": "178 30",
    },
}


async def create_individual(handle: PartnerHandle, **overrides: object) -> dict:  # type: ignore[type-arg]
    body = {**SEED_INDIVIDUAL, **overrides}
    response = await handle.http.post("/v3/individuals", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


ROOT = Path(__file__).resolve().parents[1]
