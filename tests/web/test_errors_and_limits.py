from __future__ import annotations

import httpx

from tests.conftest import SEED_INDIVIDUAL, PartnerHandle


async def test_unknown_route_and_wrong_method_use_the_envelope(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v3/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "not_found", "message": "The requested resource was not found."}
    }
    wrong = await client.delete("/v3/individuals")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


async def test_method_not_allowed_lists_every_method_of_the_path(
    client: httpx.AsyncClient,
) -> None:
    # GET and POST /v3/webhooks are two routes; Allow names both, not just the first one matched.
    for path, allowed in (
        ("/v3/webhooks", "GET, POST"),
        ("/v3/individuals", "GET, POST"),
        ("/v3/webhooks/0d6f6a8e-4a1b-4a53-9d8e-5a3c1f0b7e21", "DELETE, GET, PATCH"),
        ("/v3/consents/0d6f6a8e-4a1b-4a53-9d8e-5a3c1f0b7e21", "GET, POST"),
        ("/v3/auth/login", "POST"),
    ):
        response = await client.request("PUT", path)
        assert response.status_code == 405, path
        assert response.headers["allow"] == allowed, path
        assert response.json() == {
            "error": {
                "code": "method_not_allowed",
                "message": "This method is not allowed on this resource.",
            }
        }


async def test_malformed_json_is_a_validation_error(partner: PartnerHandle) -> None:
    for raw in (
        b"{bad",
        b"",
        b"[1,2",
        b"\xff\xfe\x00",
        b'{"first_name": "\xed\xa0\x80"}',
        b"[]",
        b"null",
        b"42",
    ):
        response = await partner.http.post(
            "/v3/individuals", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (raw, response.text)
        assert response.json()["error"]["code"] == "validation_error"


async def test_deeply_nested_json_is_refused_cleanly(partner: PartnerHandle) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = await partner.http.post(
        "/v3/individuals", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_oversize_body_is_413_by_declared_length(partner: PartnerHandle) -> None:
    body = {**SEED_INDIVIDUAL, "first_name": "x" * (1024 * 1024 + 10)}
    response = await partner.http.post("/v3/individuals", json=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_oversize_streamed_body_without_length_is_413(partner: PartnerHandle) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 100_000

    response = await partner.http.post(
        "/v3/individuals", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_request_id_is_echoed_when_well_formed_and_generated_otherwise(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-Id": "partner-req-123"})
    assert echoed.headers["X-Request-Id"] == "partner-req-123"
    replaced = await client.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["X-Request-Id"] != "bad id\twith spaces"
    assert len(replaced.headers["X-Request-Id"]) == 32
    error = await client.get("/v3/nowhere")
    assert error.headers["X-Request-Id"]


async def test_internal_errors_name_the_request_id_and_hide_details(
    app, partner: PartnerHandle
) -> None:  # type: ignore[no-untyped-def]
    from gangway.individuals import service

    original = service.create

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("SELECT secret FROM somewhere")

    service.create = broken  # type: ignore[assignment]
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=dict(partner.http.headers)
        ) as http:
            response = await http.post(
                "/v3/individuals", json=SEED_INDIVIDUAL, headers={"X-Request-Id": "req-500"}
            )
    finally:
        service.create = original  # type: ignore[assignment]
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert "req-500" in body["error"]["message"]
    assert "SELECT" not in response.text
    assert response.headers["X-Request-Id"] == "req-500"


async def test_security_headers_on_api_responses(client: httpx.AsyncClient) -> None:
    response = await client.get("/v3/individuals")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_health_readiness_and_metrics(
    client: httpx.AsyncClient, partner: PartnerHandle
) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["verification"]["engine"] == "builtin"
    await partner.http.get("/v3/individuals")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert (
        'gangway_http_requests_total{method="GET",route="/v3/individuals",status="200"}'
        in metrics.text
    )
    assert "gangway_database_up 1.0" in metrics.text


async def test_readiness_fails_when_the_database_is_unreachable() -> None:
    from gangway.app import create_app
    from tests.conftest import make_settings

    # Nothing listens on port 1.
    app = create_app(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    await app.state.services.engine.dispose()


async def test_api_answers_503_while_the_database_is_unreachable() -> None:
    from gangway.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/v3/auth/login", json={"api_key": "gw_sk_anything"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "2"
    await app.state.services.engine.dispose()
