"""Webhook delivery benchmark (run by hand): throughput and event-to-receipt latency.

    .venv/bin/python bench/webhooks.py --n 2000 \
        --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/gangway_wh

Scenarios, all against the same local receiver (an asyncio HTTP/1.1 server in its own thread):
  baseline   a bare httpx loop POSTing the same bodies (16 concurrent), no database
  embedded   `gangway serve`'s embedded worker (SQLite, and PostgreSQL when --pg-url is given)
  2 workers  two `gangway worker` processes on PostgreSQL (needs --pg-url)

"burst": N events recorded in transactions of 100, as fast as possible (throughput; latency then
includes queueing). "1 by 1": 200 events, one per transaction, 20 ms apart (the latency a single
state change sees). Latency = receipt time at the receiver - event created_at.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gangway.app import create_app  # noqa: E402
from gangway.auth import service as auth_service  # noqa: E402
from gangway.bootstrap import build_services  # noqa: E402
from gangway.config import Settings  # noqa: E402
from gangway.db.migrate import upgrade  # noqa: E402
from gangway.db.session import transaction  # noqa: E402
from gangway.events import service as events  # noqa: E402
from gangway.models import EventName  # noqa: E402
from gangway.services import Services  # noqa: E402
from gangway.webhooks import service as webhooks  # noqa: E402
from gangway.webhooks.signing import SecretBox  # noqa: E402

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
BATCH = 100
TRICKLE = 200  # events recorded one at a time for the latency figure


class Receiver:
    """Records (webhook-id -> first receipt time); answers 200 on keep-alive connections."""

    def __init__(self) -> None:
        self.first_seen: dict[str, float] = {}
        self.total = 0
        self.port = 0
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    headers = {}
                    for line in head.decode("latin-1").split("\r\n")[1:]:
                        if ":" in line:
                            key, _, value = line.partition(":")
                            headers[key.strip().lower()] = value.strip()
                    await reader.readexactly(int(headers.get("content-length", "0")))
                    now = time.time()
                    self.total += 1
                    self.first_seen.setdefault(headers.get("webhook-id", ""), now)
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        async def main() -> None:
            server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        asyncio.run(main())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


def settings_for(url: str, **extra: object) -> Settings:
    return Settings(
        database_url=url,
        secret_key=SECRET,
        webhook_allow_private_targets=True,
        log_format="console",
        log_level="WARNING",
        **extra,  # type: ignore[arg-type]
    )


async def prepare(services: Services, receiver: Receiver) -> uuid.UUID:
    """A fresh partner with one endpoint pointing at the receiver."""
    policy = webhooks.Policy(box=SecretBox(services.secret_key), allow_private=True)
    async with transaction(services.sessions) as session:
        partner, _ = await auth_service.create_partner(session, "Bench", services.clock.now())
        await webhooks.create(
            session,
            partner.id,
            url=receiver.url,
            events=None,
            now=services.clock.now(),
            policy=policy,
        )
    return partner.id


async def record(services: Services, partner_id: uuid.UUID, n: int) -> dict[str, float]:
    """Record ``n`` events in transactions of 100; returns event id -> created_at (epoch)."""
    created: dict[str, float] = {}
    for start in range(0, n, BATCH):
        async with transaction(services.sessions) as session:
            for _ in range(min(BATCH, n - start)):
                event = await events.record(
                    session,
                    partner_id=partner_id,
                    individual_id=uuid.uuid4(),
                    name=EventName.IndividualActivated,
                    now=services.clock.now(),
                    status="activated",
                )
                created[str(event.id)] = event.created_at.timestamp()
        services.wake_worker()  # what the request edge does after such a commit
    return created


async def record_one_by_one(
    services: Services, partner_id: uuid.UUID, n: int, gap: float = 0.02
) -> dict[str, float]:
    """One event per transaction, ``gap`` seconds apart: the latency a single change sees."""
    created: dict[str, float] = {}
    for _ in range(n):
        async with transaction(services.sessions) as session:
            event = await events.record(
                session,
                partner_id=partner_id,
                individual_id=uuid.uuid4(),
                name=EventName.IndividualActivated,
                now=services.clock.now(),
                status="activated",
            )
        created[str(event.id)] = event.created_at.timestamp()
        services.wake_worker()
        await asyncio.sleep(gap)
    return created


async def wait_all(receiver: Receiver, created: dict[str, float], limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while any(i not in receiver.first_seen for i in created):
        if time.monotonic() > deadline:
            missing = sum(i not in receiver.first_seen for i in created)
            raise SystemExit(f"timed out: {missing} events not delivered")
        await asyncio.sleep(0.01)


def report(name: str, receiver: Receiver, created: dict[str, float]) -> None:
    latencies = sorted((receiver.first_seen[i] - t) * 1000 for i, t in created.items())
    span = max(receiver.first_seen[i] for i in created) - min(created.values())
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{name:<34} {len(created) / span:>9.0f}/s   p50 {statistics.median(latencies):>8.1f} ms"
        f"   p99 {p99:>8.1f} ms"
    )


async def baseline(receiver: Receiver, n: int) -> None:
    bodies = []
    created: dict[str, float] = {}
    now = time.time()
    for _ in range(n):
        event_id = str(uuid.uuid4())
        bodies.append((event_id, b'{"id":"%s","name":"IndividualActivated"}' % event_id.encode()))
        created[event_id] = now
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=16)) as http:

        async def sender() -> None:
            while not queue.empty():
                event_id, body = queue.get_nowait()
                await http.post(receiver.url, content=body, headers={"webhook-id": event_id})

        await asyncio.gather(*(sender() for _ in range(16)))
    report("baseline (bare httpx, 16 conc.)", receiver, created)


async def embedded(receiver: Receiver, url: str, n: int, label: str) -> None:
    app = create_app(settings_for(url), run_worker=True)
    async with app.router.lifespan_context(app):
        services: Services = app.state.services
        partner_id = await prepare(services, receiver)
        created = await record(services, partner_id, n)
        await wait_all(receiver, created)
        report(f"embedded worker ({label}), burst", receiver, created)
        created = await record_one_by_one(services, partner_id, TRICKLE)
        await wait_all(receiver, created)
        report(f"embedded worker ({label}), 1 by 1", receiver, created)


async def two_workers(receiver: Receiver, url: str, n: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANGWAY_")}
    env.update(
        GANGWAY_DATABASE_URL=url,
        GANGWAY_SECRET_KEY=SECRET,
        GANGWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        GANGWAY_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "gangway.cli.main", "worker"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]
    services = build_services(settings_for(url))
    try:
        await asyncio.sleep(3)  # let both workers start and LISTEN
        partner_id = await prepare(services, receiver)
        created = await record(services, partner_id, n)
        await wait_all(receiver, created)
        report("2 x gangway worker (PG), burst", receiver, created)
        created = await record_one_by_one(services, partner_id, TRICKLE)
        await wait_all(receiver, created)
        report("2 x gangway worker (PG), 1 by 1", receiver, created)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        await services.engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="events per scenario")
    parser.add_argument("--pg-url", default=os.environ.get("GANGWAY_BENCH_DATABASE_URL"))
    parser.add_argument(
        "--no-worker-processes", action="store_true", help="skip the 2 x gangway worker scenario"
    )
    args = parser.parse_args()
    receiver = Receiver()
    print(f"{args.n} events per scenario; receiver {receiver.url}")
    # The bare loop runs before each embedded scenario too: on a shared machine the load moves,
    # and a ratio means something only against a baseline taken under the same conditions.
    await baseline(receiver, args.n)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, sqlite_url)
        await embedded(receiver, sqlite_url, args.n, "SQLite")
    if args.pg_url:
        await asyncio.to_thread(upgrade, args.pg_url)
        await baseline(receiver, args.n)
        await embedded(receiver, args.pg_url, args.n, "PostgreSQL")
        if not args.no_worker_processes:
            await two_workers(receiver, args.pg_url, args.n)
    else:
        print("(PostgreSQL scenarios skipped: pass --pg-url)")
    duplicates = receiver.total - len(receiver.first_seen)
    print(f"receipts {receiver.total}, unique {len(receiver.first_seen)}, duplicates {duplicates}")


if __name__ == "__main__":
    asyncio.run(main())
