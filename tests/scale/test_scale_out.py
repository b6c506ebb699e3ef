"""Scale-out on PostgreSQL: two ``gangway serve --no-worker`` and two ``gangway worker`` processes
on one database run 200 full sandbox onboardings (create → onboard → simulate kyc → simulate
approval) spread across both servers. Every individual ends ``activated`` and every webhook
arrives (at least once; duplicates are counted and reported)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack

import httpx
import pytest
from standardwebhooks import Webhook

from tests.conftest import SEED_INDIVIDUAL
from tests.support_server import ROOT, gangway_env, running_server
from tests.webhooks.conftest import start_receiver

ONBOARDINGS = int(os.environ.get("GANGWAY_SCALE_ONBOARDINGS", "200"))


async def _onboard_one(http: httpx.AsyncClient, index: int) -> str:
    body = {**SEED_INDIVIDUAL, "email": f"scale{index}@example.com"}
    individual = (
        await http.post("/v3/individuals", json=body, headers={"Idempotency-Key": f"c{index}"})
    ).json()
    onboard = await http.post(f"/v3/individuals/{individual['id']}/onboard", json={})
    assert onboard.status_code == 200, onboard.text
    kyc = await http.post(
        "/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]}
    )
    assert kyc.status_code == 200, kyc.text
    approved = await http.post(
        "/v3/simulations/onboarding/status",
        json={"individual_id": individual["id"], "status": "activated"},
    )
    assert approved.status_code == 200, approved.text
    return str(individual["id"])


async def test_two_servers_and_two_workers_run_200_onboardings(
    app, database_url: str, is_postgres: bool
) -> None:  # type: ignore[no-untyped-def]
    if not is_postgres:
        pytest.skip("scale-out needs PostgreSQL (SKIP LOCKED, LISTEN/NOTIFY)")
    receiver = start_receiver()
    env = gangway_env(database_url)
    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Scale", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    api_key = json.loads(created.stdout)["api_key"]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "gangway.cli.main", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        with ExitStack() as stack:
            bases = [
                stack.enter_context(
                    running_server(
                        database_url,
                        log_path=ROOT / "var" / f"scale-server-{n}.log",
                        GANGWAY_RATE_LIMIT_PER_SECOND="100000",
                    )
                )
                for n in range(2)
            ]
            clients = [httpx.AsyncClient(base_url=base, timeout=60) for base in bases]
            token = (await clients[0].post("/v3/auth/login", json={"api_key": api_key})).json()[
                "access_token"
            ]
            for client in clients:
                client.headers["Authorization"] = f"Bearer {token}"
            hook = (await clients[1].post("/v3/webhooks", json={"url": receiver.url})).json()
            semaphore = asyncio.Semaphore(16)

            async def limited(index: int) -> str:
                async with semaphore:
                    return await _onboard_one(clients[index % 2], index)

            ids = await asyncio.gather(*[limited(i) for i in range(ONBOARDINGS)])
            expected_events = 2 * ONBOARDINGS
            await receiver.wait_for(expected_events, within=120)
            statuses = Counter()
            for index, individual_id in enumerate(ids):
                response = await clients[index % 2].get(f"/v3/individuals/{individual_id}")
                statuses[response.json()["status"]] += 1
            for client in clients:
                await client.aclose()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        receiver.server.shutdown()

    assert statuses == Counter({"activated": ONBOARDINGS})
    verifier = Webhook(hook["secret"])
    by_event: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for request in receiver.received:
        payload = verifier.verify(request.body, request.headers)
        by_event[request.headers["webhook-id"]] += 1
        if by_event[request.headers["webhook-id"]] == 1:
            names[payload["name"]] += 1
    assert names == Counter(
        {"IndividualOnboardingDataProvided": ONBOARDINGS, "IndividualActivated": ONBOARDINGS}
    )
    duplicates = sum(count - 1 for count in by_event.values())
    print(
        f"scale-out: {ONBOARDINGS} onboardings, {len(by_event)} distinct webhooks, {duplicates} duplicates"
    )
