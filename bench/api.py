"""Partner API throughput and latency, beside a bare Starlette baseline, in one run.

    .venv/bin/python bench/api.py                        # SQLite (a fresh file under var/bench/)
    .venv/bin/python bench/api.py --postgres             # a fresh PostgreSQL database on 127.0.0.1
    .venv/bin/python bench/api.py --url http://host:8000 --api-key gw_sk_...   # a running server

Starts `gangway serve --no-worker` and the baseline app (bench/baseline_app.py) as subprocesses
unless --url is given, then drives create-individual and get-individual at concurrency 32 and prints
requests/s, p50 and p99 for each, and the ratio to the baseline; then one client alone
(concurrency 1, --latency-requests each) for the latency a partner's single request sees.
Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BODY = {
    "first_name": "John",
    "last_name": "de Mayor",
    "email": "m6dreey@goes.es",
    "phone_number": "46627211111",
    "date_of_birth": "1991-12-06",
    "address": {
        "country_code": "SE",
        "street1": "Mälarö torg 2",
        "city": "Ekerö",
        "region": "Ekerö",
        "postal_code": "178 30",
    },
}


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<34} {self.rate:8.0f} req/s   p50 {self.percentile(0.50):6.1f} ms   "
            f"p99 {self.percentile(0.99):6.1f} ms   errors {self.errors}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up")


async def drive(
    name: str, http: httpx.AsyncClient, make_request, total: int, concurrency: int
) -> Result:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    issued = 0

    async def one_worker() -> None:
        nonlocal issued, errors
        while issued < total:
            index = issued
            issued += 1
            started = time.perf_counter()
            try:
                response = await make_request(http, index)
            except httpx.TransportError:
                # A keep-alive connection the server closed as it was reused (a starved
                # machine): counted as an error, not a crash of the whole run.
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 400:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*[one_worker() for _ in range(concurrency)])
    return Result(name, total, time.perf_counter() - started, latencies, errors)


async def bench_gangway(
    base: str, api_key: str, total: int, concurrency: int, alone: int
) -> list[Result]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        token = (await http.post("/v3/auth/login", json={"api_key": api_key})).json()[
            "access_token"
        ]
        http.headers["Authorization"] = f"Bearer {token}"
        ids: list[str] = []

        async def create(client: httpx.AsyncClient, index: int) -> httpx.Response:
            response = await client.post(
                "/v3/individuals", json=BODY, headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"}
            )
            if response.status_code == 201:
                ids.append(response.json()["id"])
            return response

        async def get(client: httpx.AsyncClient, index: int) -> httpx.Response:
            return await client.get(f"/v3/individuals/{ids[index % len(ids)]}")

        await drive("warm-up", http, create, 200, concurrency)
        created = await drive("gangway create (full stack)", http, create, total, concurrency)
        fetched = await drive("gangway get (full stack)", http, get, total, concurrency)
        created_alone = await drive("gangway create, 1 client", http, create, alone, 1)
        fetched_alone = await drive("gangway get, 1 client", http, get, alone, 1)
        return [created, fetched, created_alone, fetched_alone]


async def bench_baseline(base: str, total: int, concurrency: int, alone: int) -> list[Result]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        ids: list[str] = []

        async def create(client: httpx.AsyncClient, index: int) -> httpx.Response:
            response = await client.post("/individuals", json=BODY)
            if response.status_code == 201:  # SQLite without a gate may answer "locked"
                ids.append(response.json()["id"])
            return response

        async def get(client: httpx.AsyncClient, index: int) -> httpx.Response:
            return await client.get(f"/individuals/{ids[index % len(ids)]}")

        await drive("warm-up", http, create, 200, concurrency)
        created = await drive("baseline create (bare INSERT)", http, create, total, concurrency)
        fetched = await drive("baseline get (bare SELECT)", http, get, total, concurrency)
        created_alone = await drive("baseline create, 1 client", http, create, alone, 1)
        fetched_alone = await drive("baseline get, 1 client", http, get, alone, 1)
        return [created, fetched, created_alone, fetched_alone]


def fresh_database(postgres: bool) -> str:
    if postgres:
        name = f"gangway_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"],
            check=True,
        )
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"api-{uuid.uuid4().hex[:8]}.db"
    return f"sqlite+aiosqlite:///{path}"


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--url")
    parser.add_argument("--api-key")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-requests", type=int, default=500)
    args = parser.parse_args()

    processes: list[subprocess.Popen[bytes]] = []
    try:
        if args.url:
            gangway_url, api_key = args.url, args.api_key
            baseline_url = None
            backend = "running server"
        else:
            gangway_db = fresh_database(args.postgres)
            baseline_db = fresh_database(args.postgres)
            backend = "PostgreSQL" if args.postgres else "SQLite"
            env = {
                "GANGWAY_DATABASE_URL": gangway_db,
                "GANGWAY_SECRET_KEY": "bench-" + "x1y2z3" * 8,
                "GANGWAY_RATE_LIMIT_PER_SECOND": "1000000",
                "GANGWAY_LOG_LEVEL": "WARNING",
            }
            gangway_cli = str(Path(PYTHON).parent / "gangway")
            subprocess.run(
                [gangway_cli, "migrate"], env={**os.environ, **env}, check=True, capture_output=True
            )
            created = subprocess.run(
                [gangway_cli, "partners", "create", "Bench", "--json"],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
                text=True,
            )
            api_key = json.loads(created.stdout)["api_key"]
            port, baseline_port = free_port(), free_port()
            processes.append(start([gangway_cli, "serve", "--no-worker", "--port", str(port)], env))
            processes.append(
                start(
                    [
                        PYTHON,
                        "-m",
                        "uvicorn",
                        "bench.baseline_app:app",
                        "--port",
                        str(baseline_port),
                        "--log-level",
                        "warning",
                    ],
                    {"BASELINE_DATABASE_URL": baseline_db},
                )
            )
            gangway_url = f"http://127.0.0.1:{port}"
            baseline_url = f"http://127.0.0.1:{baseline_port}"
            await wait_ready(gangway_url + "/healthz")
            await wait_ready(baseline_url + "/individuals/none")

        print(
            f"backend: {backend}; {args.requests} requests per measurement at concurrency {args.concurrency}"
        )
        ours = await bench_gangway(
            gangway_url, api_key, args.requests, args.concurrency, args.latency_requests
        )
        for result in ours:
            print(result.line())
        if baseline_url:
            base = await bench_baseline(
                baseline_url, args.requests, args.concurrency, args.latency_requests
            )
            for result in base:
                print(result.line())
            # Throughput ratios at full concurrency; the 1-client lines are latencies to read.
            for mine, bare in zip(ours[:2], base[:2], strict=True):
                print(
                    f"ratio {mine.name.split(' ')[1]:<8} {mine.rate / bare.rate:5.2f} of the bare baseline"
                )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    asyncio.run(main())
