"""The FastAPI receiver in docs/webhooks.md works against what Gangway really sends."""

from __future__ import annotations

import re
import types
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from gangway.kit.timefmt import iso_millis
from gangway.models import Event
from gangway.webhooks.delivery import event_body
from gangway.webhooks.signing import new_secret, signature_headers
from tests.conftest import ROOT


def _example(marker: str) -> str:
    text = (ROOT / "docs" / "webhooks.md").read_text()
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        if block.startswith(marker):
            return block
    raise AssertionError(f"no example starting with {marker!r}")


def test_flask_example_is_valid_python() -> None:
    compile(_example("# receiver_flask.py"), "receiver_flask.py", "exec")


async def test_fastapi_example_verifies_and_deduplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = new_secret()
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    module = types.ModuleType("receiver_fastapi")
    exec(compile(_example("# receiver_fastapi.py"), "receiver_fastapi.py", "exec"), module.__dict__)

    now = datetime.now(UTC)
    event = Event(
        id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        individual_id=uuid.uuid4(),
        name="IndividualActivated",
        payload={"individual_id": str(uuid.uuid4())},
        created_at=now,
    )
    body = event_body(event)
    assert iso_millis(now) in body.decode()
    headers = signature_headers([secret], str(event.id), now, body)
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        first = await http.post("/webhooks/gangway", content=body, headers=headers)
        again = await http.post("/webhooks/gangway", content=body, headers=headers)
        forged = await http.post(
            "/webhooks/gangway", content=body.replace(b"Activated", b"Blocked"), headers=headers
        )
    assert (first.status_code, again.status_code, forged.status_code) == (204, 204, 400)
    assert module.seen_ids == {str(event.id)}
