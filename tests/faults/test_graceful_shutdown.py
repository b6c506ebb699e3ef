"""SIGTERM while requests are in flight: the server stops accepting, finishes what it has, and
every acknowledged write is in the database."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys

import httpx
from sqlalchemy import select

from gangway.db.session import transaction
from gangway.models import Individual
from tests.conftest import SEED_INDIVIDUAL
from tests.support_server import ROOT, free_port, gangway_env


async def test_sigterm_finishes_in_flight_requests(app, database_url: str) -> None:  # type: ignore[no-untyped-def]
    env = gangway_env(database_url, GANGWAY_RATE_LIMIT_PER_SECOND="100000")
    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Shutdown", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    api_key = json.loads(created.stdout)["api_key"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gangway.cli.main", "serve", "--no-worker", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(100):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            token = (await http.post("/v3/auth/login", json={"api_key": api_key})).json()[
                "access_token"
            ]
            http.headers["Authorization"] = f"Bearer {token}"

            async def create(index: int) -> httpx.Response:
                return await http.post(
                    "/v3/individuals", json={**SEED_INDIVIDUAL, "email": f"s{index}@example.com"}
                )

            in_flight = [asyncio.create_task(create(i)) for i in range(40)]
            await asyncio.sleep(0.05)  # the requests are on the wire
            server.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.2)
            # Draining: the balancer is told to stop sending, requests still get served.
            assert (await http.get("/readyz")).status_code == 503
            responses = await asyncio.gather(*in_flight, return_exceptions=True)
        answered = [r for r in responses if isinstance(r, httpx.Response)]
        assert all(r.status_code == 201 for r in answered), [r.status_code for r in answered]
        assert len(answered) >= 1
        # Anything unanswered must have been refused before it was accepted, never cut off mid-way.
        dropped = [r for r in responses if not isinstance(r, httpx.Response | httpx.ConnectError)]
        assert not dropped, dropped
        print(
            f"{len(answered)} of 40 in-flight requests answered 201 after SIGTERM; "
            f"{len(responses) - len(answered)} refused at connect"
        )
        # Uvicorn re-raises the signal after its graceful shutdown, so the exit is -SIGTERM.
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()

    # Every acknowledged individual was committed.
    acknowledged = {r.json()["id"] for r in answered}
    async with transaction(app.state.services.sessions) as session:
        stored = set(map(str, await session.scalars(select(Individual.id))))
    assert acknowledged <= stored
