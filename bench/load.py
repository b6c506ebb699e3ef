"""Mixed partner workload for a fixed time, and list/events page latency at scale.

    .venv/bin/python bench/load.py                       # SQLite, 30 s, concurrency 16
    .venv/bin/python bench/load.py --postgres --seconds 60
    .venv/bin/python bench/load.py --postgres --rows 1000000 --skip-mix   # page latency at 1 M

The mix: 25 % create individual, 10 % onboard, 30 % get individual, 20 % list individuals,
15 % list events. Prints throughput and p50/p99 per endpoint. Then it bulk-inserts ``--rows``
individuals and events for one partner and times the first page, a page deep in the table
(keyset: ``starting_after``), and a filtered page — keyset pagination must keep these flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bench.api import BODY, free_port, fresh_database, start, wait_ready
from gangway.kit import normalise
from gangway.kit.crypto import Sealer
from gangway.kit.keyring import Keyring
from gangway.models import DataKey, Event, Individual, KeyEncryptionKey
from gangway.models.sealed import seal_values

SECRET = "bench-" + "x1y2z3" * 8

PYTHON_BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
MIX = [("create", 25), ("onboard", 10), ("get", 30), ("list", 20), ("events", 15)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


async def run_mix(base: str, api_key: str, seconds: float, concurrency: int) -> None:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    ids: list[str] = []
    names = [name for name, weight in MIX for _ in range(weight)]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        login = (await http.post("/v3/auth/login", json={"api_key": api_key})).json()
        http.headers["Authorization"] = f"Bearer {login['access_token']}"
        for _ in range(20):
            ids.append((await http.post("/v3/individuals", json=BODY)).json()["id"])
        deadline = time.monotonic() + seconds

        async def one() -> None:
            rng = random.Random()
            while time.monotonic() < deadline:
                name = rng.choice(names)
                started = time.perf_counter()
                if name == "create":
                    response = await http.post(
                        "/v3/individuals", json=BODY, headers={"Idempotency-Key": str(uuid.uuid4())}
                    )
                    if response.status_code == 201:
                        ids.append(response.json()["id"])
                elif name == "onboard":
                    response = await http.post(
                        f"/v3/individuals/{rng.choice(ids)}/onboard",
                        json={"return_url": "https://example.com/back"},
                    )
                elif name == "get":
                    response = await http.get(f"/v3/individuals/{rng.choice(ids)}")
                elif name == "list":
                    response = await http.get("/v3/individuals", params={"limit": 20})
                else:
                    response = await http.get("/v3/events", params={"limit": 20})
                latencies[name].append(time.perf_counter() - started)
                if response.status_code >= 500 or (
                    response.status_code >= 400 and name != "onboard"
                ):
                    errors[name] += 1

        started = time.perf_counter()
        await asyncio.gather(*[one() for _ in range(concurrency)])
        elapsed = time.perf_counter() - started
    total = sum(len(v) for v in latencies.values())
    print(
        f"mixed workload: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} req/s "
        f"at concurrency {concurrency}"
    )
    for name, _ in MIX:
        values = latencies[name]
        print(
            f"  {name:<8} {len(values) / elapsed:7.0f} req/s   p50 {percentile(values, 0.5):6.1f} ms"
            f"   p99 {percentile(values, 0.99):6.1f} ms   errors {errors[name]}"
        )


async def seed(database_url: str, partner_id: uuid.UUID, rows: int) -> None:
    """Individuals with their personal fields sealed under data keys, as the service stores them
    (through Core: the ORM would take minutes for a million rows)."""
    engine = create_async_engine(database_url)
    start_at = datetime(2025, 1, 1, tzinfo=UTC)
    batch = 5000
    keyring = Keyring.from_secret(SECRET)
    kek = keyring.new_kek()
    async with engine.begin() as connection:
        await connection.execute(
            insert(KeyEncryptionKey).values(
                kid=kek.kid, wrapped=kek.wrapped, root_kid=keyring.root.kid, created_at=start_at
            )
        )
        for offset in range(0, rows, batch):
            individuals, data_keys, events = [], [], []
            for i in range(offset, min(rows, offset + batch)):
                individual_id = uuid.uuid4()
                moment = start_at + timedelta(seconds=i)
                data_key = keyring.new_data_key()
                data_keys.append(
                    {
                        "individual_id": individual_id,
                        "kid": kek.kid,
                        "wrapped": keyring.wrap_data_key(kek.key, data_key, individual_id),
                        "created_at": moment,
                    }
                )
                email = f"load{i}@example.com"
                values = {
                    "first_name": "Load",
                    "last_name": f"Test {i}",
                    "email": email,
                    "phone_number": "46627211111",
                    "date_of_birth": "1990-01-01",
                    "address": None,
                }
                individuals.append(
                    {
                        "id": individual_id,
                        "partner_id": partner_id,
                        "status": "activated" if i % 3 else "pending_activation",
                        "sealed_data": seal_values(
                            Sealer(data_key), values, f"individuals:{individual_id}".encode()
                        ),
                        "email_index": keyring.blind_index("email", normalise.email(email)),
                        "created_at": moment,
                        "updated_at": moment,
                        "version": 1,
                    }
                )
                events.append(
                    {
                        "id": uuid.uuid4(),
                        "partner_id": partner_id,
                        "individual_id": individual_id,
                        "name": "IndividualActivated",
                        "payload": {"individual_id": str(individual_id)},
                        "created_at": moment,
                    }
                )
            await connection.execute(insert(Individual), individuals)
            await connection.execute(insert(DataKey), data_keys)
            await connection.execute(insert(Event), events)
    await engine.dispose()


async def page_latency(base: str, api_key: str, label: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        login = (await http.post("/v3/auth/login", json={"api_key": api_key})).json()
        http.headers["Authorization"] = f"Bearer {login['access_token']}"

        async def timed(path: str, params: dict[str, str | int]) -> tuple[float, dict]:  # type: ignore[type-arg]
            samples, body = [], {}
            for _ in range(30):
                started = time.perf_counter()
                response = await http.get(path, params=params)
                samples.append(time.perf_counter() - started)
                body = response.json()
            return percentile(samples, 0.5), body

        for path in ("/v3/individuals", "/v3/events"):
            first_ms, first = await timed(path, {"limit": 100})
            cursor = first["data"][-1]["id"]
            deep_cursor = cursor
            for _ in range(5):  # walk a few pages in, then jump via a cursor from the middle
                page = (
                    await http.get(path, params={"limit": 100, "starting_after": deep_cursor})
                ).json()
                deep_cursor = page["data"][-1]["id"]
            deep_ms, _ = await timed(path, {"limit": 100, "starting_after": deep_cursor})
            line = f"  {label:<10} {path:<16} first page p50 {first_ms:6.1f} ms   deeper page p50 {deep_ms:6.1f} ms"
            if path == "/v3/individuals":
                filtered_ms, _ = await timed(path, {"limit": 100, "status": "pending_activation"})
                line += f"   status filter p50 {filtered_ms:6.1f} ms"
            print(line)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000])
    parser.add_argument("--skip-mix", action="store_true")
    args = parser.parse_args()

    database_url = fresh_database(args.postgres)
    env = {
        "GANGWAY_DATABASE_URL": database_url,
        "GANGWAY_SECRET_KEY": SECRET,
        "GANGWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "GANGWAY_LOG_LEVEL": "WARNING",
    }
    import os

    full_env = {**os.environ, **env}
    subprocess.run(
        [str(PYTHON_BIN / "gangway"), "migrate"], env=full_env, check=True, capture_output=True
    )
    created = json.loads(
        subprocess.run(
            [str(PYTHON_BIN / "gangway"), "partners", "create", "Load", "--json"],
            env=full_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    port = free_port()
    server = start([str(PYTHON_BIN / "gangway"), "serve", "--no-worker", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base + "/healthz")
        print(f"backend: {'PostgreSQL' if args.postgres else 'SQLite'}")
        if not args.skip_mix:
            await run_mix(base, created["api_key"], args.seconds, args.concurrency)
        print("page latency (limit=100), keyset pagination:")
        seeded = 0
        for rows in sorted(args.rows):
            await seed(database_url, uuid.UUID(created["partner_id"]), rows - seeded)
            seeded = rows
            await page_latency(base, created["api_key"], f"{rows:,} rows")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    asyncio.run(main())
