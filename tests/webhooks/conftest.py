"""Webhook test fixtures: a real HTTP receiver on 127.0.0.1 and helpers to record events."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gangway.db.session import transaction
from gangway.events import service as events
from gangway.kit.clock import FrozenClock
from gangway.models import EventName
from gangway.services import Services
from gangway.webhooks.delivery import Outcome


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A threaded HTTP server that records every POST and answers with ``status``."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    status: int = 200
    response_body: bytes = b"ok"
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        """Wait (without blocking the loop) until ``count`` requests arrived."""
        deadline = time.monotonic() + within
        while self.count() < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver got {self.count()} requests, expected {count}")
            await asyncio.sleep(0.005)
        with self.lock:
            return list(self.received)


def start_receiver() -> Receiver:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            receiver = holder["r"]
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if receiver.delay_seconds:
                time.sleep(receiver.delay_seconds)
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, answer = receiver.status, receiver.response_body
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender went away (a killed worker)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    holder["r"] = receiver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def clock() -> FrozenClock:
    # Close to real time, so signatures pass standardwebhooks' 5-minute tolerance.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


async def record_event(
    services: Services,
    partner_id: str,
    name: EventName = EventName.IndividualActivated,
    individual_id: str | None = None,
    **extra: Any,
) -> str:
    if not extra:  # a valid payload for the usual case
        extra = {"status": "activated"} if name == EventName.IndividualActivated else {}
    async with transaction(services.sessions) as session:
        event = await events.record(
            session,
            partner_id=uuid.UUID(partner_id),
            individual_id=uuid.UUID(individual_id) if individual_id else uuid.uuid4(),
            name=name,
            now=services.clock.now(),
            **extra,
        )
    return str(event.id)


async def create_endpoint(handle: Any, url: str, **body: Any) -> dict[str, Any]:
    response = await handle.http.post("/v3/webhooks", json={"url": url, **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def deliver(services: Services, delivery_id: uuid.UUID) -> Outcome:
    """Attempt one delivery now, as the worker does for each claimed id."""
    return await services.webhook_courier.deliver(delivery_id)
