"""Upload limits: the pixel ceiling, a bounded number of concurrent decodes, and a rate limit on
the flow's POSTs per flow session."""

from __future__ import annotations

import asyncio
import io
import threading
from typing import Any

import pytest
from PIL import Image

from gangway.kit.ratelimit import FailureThrottle
from gangway.onboarding import documents
from gangway.onboarding.documents import UploadRejected, check_upload
from tests.conftest import PartnerHandle, create_individual
from tests.onboarding.conftest import FlowClient, new_flow_client, onboard

LIMIT = 10 * 1024 * 1024


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_24_megapixel_phone_photo_passes() -> None:
    # iPhone 15/16 default resolution, 5712 x 4284 = 24.5 MP, the largest common default.
    assert check_upload(_png(5712, 4284), limit=LIMIT).content_type == "image/png"


def test_an_image_over_25_megapixels_is_refused() -> None:
    with pytest.raises(UploadRejected, match="file_dimensions"):
        check_upload(_png(5001, 5000), limit=LIMIT)


async def test_at_most_the_configured_number_of_decodes_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lock = threading.Lock()
    release = threading.Event()
    running = [0]
    most = [0]

    def slow_check(content: bytes, *, limit: int, allow_pdf: bool = False) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(timeout=10)
        with lock:
            running[0] -= 1
        return documents.CheckedFile(content, "image/png")

    monkeypatch.setattr(documents, "check_upload", slow_check)
    tasks = [
        asyncio.create_task(documents.check_upload_async(b"x", limit=LIMIT, concurrency=2))
        for _ in range(5)
    ]
    for _ in range(500):  # until two decodes are in their threads
        if running[0] >= 2:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # room for a third to start, were it allowed
    assert running[0] == 2
    release.set()
    await asyncio.gather(*tasks)
    assert most[0] == 2


def test_the_default_decode_concurrency_is_two(settings: Any) -> None:
    assert settings.upload_decode_concurrency == 2


async def test_flow_posts_are_rate_limited_per_flow_session(
    app: Any, services: Any, partner: PartnerHandle, started: FlowClient
) -> None:
    assert services.flow_post_limiter.allowed == 30  # the default, from the settings
    now = [1000.0]
    services.flow_post_limiter = FailureThrottle(3, 60, monotonic=lambda: now[0])
    for _ in range(3):
        assert (await started.step("welcome", {})).status_code == 400  # terms not accepted
    limited = await started.step("welcome", {"accept_terms": "yes"})
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("text/html")
    assert "Too many attempts" in limited.text
    assert int(limited.headers["Retry-After"]) >= 1
    # Another person's flow session is not affected.
    other = await create_individual(partner, email="other@example.com")
    other_link = await onboard(partner, other["id"])
    async with new_flow_client(app) as http:
        neighbour = FlowClient(http)
        await neighbour.start(other_link["token"])
        assert (await neighbour.step("welcome", {"accept_terms": "yes"})).status_code == 303
    # After the window the same session may post again.
    now[0] += 61
    await started.get("/flow/onboarding/welcome")
    assert (await started.step("welcome", {"accept_terms": "yes"})).status_code == 303
