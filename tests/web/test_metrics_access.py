"""``/metrics`` on the main port: bearer token when configured, 404 in live without one, open in
the sandbox; ``gangway serve --metrics-port`` serves it on 127.0.0.1 only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gangway.app import create_app
from gangway.observability import serve_metrics
from tests.conftest import make_settings

TOKEN = "metrics-token-0123456789abcdef"
LIVE = {
    "environment": "live",
    "public_url": "https://gangway.example",
    "sms_http_url": "https://sms.example/send",
}


async def _client(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def with_token(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(make_settings(database_url, metrics_token=TOKEN, **LIVE)):
        yield http


@pytest.fixture
async def live_without_token(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(make_settings(database_url, **LIVE)):
        yield http


async def test_metrics_without_the_token_is_401(with_token: httpx.AsyncClient) -> None:
    response = await with_token.get("/metrics")
    assert response.status_code == 401
    assert "gangway_" not in response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN])
async def test_metrics_with_a_wrong_token_is_401(
    with_token: httpx.AsyncClient, header: str
) -> None:
    response = await with_token.get("/metrics", headers={"Authorization": header})
    assert response.status_code == 401
    assert "gangway_" not in response.text


async def test_metrics_with_the_token_is_200(with_token: httpx.AsyncClient) -> None:
    response = await with_token.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "gangway_http_requests_total" in response.text


async def test_metrics_in_live_without_a_token_is_404(
    live_without_token: httpx.AsyncClient,
) -> None:
    response = await live_without_token.get("/metrics")
    assert response.status_code == 404
    assert "gangway_" not in response.text


async def test_metrics_in_the_sandbox_without_a_token_stays_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 200


def test_the_metrics_port_serves_only_metrics_on_loopback() -> None:
    server = serve_metrics(0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        assert "gangway_" in httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/v3/individuals").status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_serve_has_a_metrics_port_option() -> None:
    from click.testing import CliRunner

    from gangway.cli.server import serve

    result = CliRunner().invoke(serve, ["--help"])
    assert "--metrics-port" in result.output
