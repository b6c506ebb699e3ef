"""Bodies over the limit: the hosted flow and the back office get their friendly HTML page, the
API keeps its JSON error envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.onboarding.conftest import FlowClient

OVER = 21 * 1024 * 1024  # the form limit is two 10 MiB files plus 64 KiB of fields


@pytest.mark.parametrize("path", ["/flow/onboarding/document", "/flow/identity_verification/proof"])
async def test_oversized_flow_form_gets_the_html_error_page(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(
        path,
        content=b"x" * OVER,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "The file is too large (at most 10 MB)." in response.text
    assert response.headers["content-security-policy"]


async def test_oversized_streamed_flow_form_gets_the_html_error_page(
    flow: FlowClient, idv: dict[str, Any]
) -> None:
    """No Content-Length: the limit is found while the step reads the form."""
    await flow.start(idv["token"])

    async def chunks() -> AsyncIterator[bytes]:
        yield (
            b'--b\r\nContent-Disposition: form-data; name="front"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        )
        for _ in range(22):
            yield b"x" * (1024 * 1024)

    response = await flow.http.post(
        "/flow/identity_verification/document",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]


async def test_oversized_admin_form_is_not_json(client: httpx.AsyncClient, app: Any) -> None:
    response = await client.post("/admin/login", content=b"x" * OVER)
    assert response.status_code == 413
    if "/admin" in getattr(app.state, "html_errors", {}):
        assert response.headers["content-type"].startswith("text/html")


async def test_oversized_api_body_keeps_the_json_envelope(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v3/individuals",
        content=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
