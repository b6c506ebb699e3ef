"""PostgreSQL goes away while a load runs: the API answers 503 during the outage and recovers by
itself, no acknowledged write is lost, and outbox deliveries resume.

With ``GANGWAY_FAULT_RESTART_POSTGRES=1`` (set by .ci/run) the whole cluster is restarted with
``pg_ctlcluster``; otherwise the test database alone is cut off (connections terminated and
refused), which exercises the same recovery without disturbing other users of the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import SEED_INDIVIDUAL
from tests.support_server import ROOT, gangway_env, running_server
from tests.webhooks.conftest import start_receiver

RESTART_CLUSTER = os.environ.get("GANGWAY_FAULT_RESTART_POSTGRES") == "1"


async def _admin(database_url: str, sql: str) -> None:
    dsn = database_url.replace("postgresql+asyncpg", "postgresql").rsplit("/", 1)[0] + "/postgres"
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _outage(database_url: str, seconds: float) -> None:
    name = database_url.rsplit("/", 1)[1]
    if RESTART_CLUSTER:
        cluster = next(Path("/etc/postgresql").iterdir()).name
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop", "-m", "fast"],
            check=True,
        )
        await asyncio.sleep(seconds)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True
        )
        return
    await _admin(database_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await _admin(
        database_url,
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    await asyncio.sleep(seconds)
    await _admin(database_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


async def test_api_and_outbox_survive_a_database_outage(
    app, database_url: str, is_postgres: bool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    if not is_postgres:
        pytest.skip("the outage is staged on PostgreSQL")
    receiver = start_receiver()
    env = gangway_env(database_url)
    api_key = json.loads(
        subprocess.run(
            [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Outage", "--json"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        ).stdout
    )["api_key"]
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []  # individuals whose submission (and its event) was acknowledged
    with running_server(
        database_url,
        worker=True,
        log_path=tmp_path / "server.log",
        GANGWAY_RATE_LIMIT_PER_SECOND="100000",
    ) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            token = (await http.post("/v3/auth/login", json={"api_key": api_key})).json()[
                "access_token"
            ]
            http.headers["Authorization"] = f"Bearer {token}"
            assert (await http.post("/v3/webhooks", json={"url": receiver.url})).status_code == 201
            stop_at = time.monotonic() + 12

            async def journey(worker: int) -> None:
                index = 0
                while time.monotonic() < stop_at:
                    index += 1
                    key = f"{worker}-{index}"
                    try:
                        created = await http.post(
                            "/v3/individuals",
                            headers={"Idempotency-Key": key},
                            json={**SEED_INDIVIDUAL, "email": f"o{key}@example.com"},
                        )
                        statuses[created.status_code] += 1
                        if created.status_code != 201:
                            await asyncio.sleep(0.2)
                            continue
                        individual_id = created.json()["id"]
                        onboard = await http.post(
                            f"/v3/individuals/{individual_id}/onboard", json={}
                        )
                        statuses[onboard.status_code] += 1
                        if onboard.status_code != 200:
                            continue
                        kyc = await http.post(
                            "/v3/simulations/onboarding/kyc", json={"individual_id": individual_id}
                        )
                        statuses[kyc.status_code] += 1
                        if kyc.status_code == 200:
                            acknowledged.append(individual_id)
                    except httpx.TransportError:
                        statuses[0] += 1
                        await asyncio.sleep(0.2)

            async def staged_outage() -> None:
                await asyncio.sleep(3)
                await _outage(database_url, 3)

            await asyncio.gather(*[journey(w) for w in range(6)], staged_outage())

            # Recovered by itself: ready again, and every acknowledged write is there.
            for _ in range(100):
                if (await http.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.2)
            assert (await http.get("/readyz")).status_code == 200
            for individual_id in acknowledged:
                response = await http.get(f"/v3/individuals/{individual_id}")
                assert response.json()["status"] == "onboarding_data_provided", response.text
            events = await http.get(
                "/v3/events", params={"name": "IndividualOnboardingDataProvided", "limit": 100}
            )
            assert events.status_code == 200
        # Outbox deliveries resumed: every acknowledged submission's event reached the receiver.
        deadline = time.monotonic() + 60
        delivered: set[str] = set()
        while time.monotonic() < deadline:
            delivered = {json.loads(r.body)["payload"]["individual_id"] for r in receiver.received}
            if set(acknowledged) <= delivered:
                break
            await asyncio.sleep(0.2)
    receiver.server.shutdown()
    print(f"outage: {len(acknowledged)} acknowledged submissions, statuses {dict(statuses)}")
    assert acknowledged, "the load should have completed some journeys"
    assert set(acknowledged) <= delivered
    assert statuses[503] > 0 or statuses[0] > 0, "the outage should have been visible"
    assert statuses[500] == 0, dict(statuses)
