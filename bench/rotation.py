"""Key rotation rate: re-wrap N data keys under a new key-encryption key, in batches.

    .venv/bin/python bench/rotation.py --rows 1000000             # SQLite (a fresh file)
    .venv/bin/python bench/rotation.py --rows 1000000 --postgres  # a fresh PostgreSQL database

Fills ``individuals`` and ``data_keys`` with N rows through Core (the individuals' personal
fields are left empty: only the keys matter here), then runs the same batches as
``gangway keys rotate`` and prints data keys re-wrapped per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from gangway.bootstrap import build_services
from gangway.config import Settings
from gangway.db.migrate import upgrade
from gangway.db.session import transaction
from gangway.kit.ids import new_id
from gangway.models import DataKey, Individual, IndividualStatus, KeyEncryptionKey, Partner
from gangway.privacy import keys

ROOT = Path(__file__).resolve().parents[1]
FILL_BATCH = 5000


def database(postgres: bool) -> str:
    if postgres:
        name = f"gangway_bench_rotation_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {name}"],
            check=True,
        )
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    path = ROOT / "var" / "bench" / f"rotation-{os.getpid()}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def main(url: str, rows: int, batch: int) -> None:
    postgres = url.startswith("postgresql")
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40)
    services = build_services(settings)
    keyring = services.keyring
    now = datetime.now(UTC)
    old = keyring.new_kek()
    partner_id = new_id()
    async with transaction(services.sessions) as session:
        session.add(
            Partner(
                id=partner_id, name="Bench", public_key="pk_bench_" + partner_id.hex, created_at=now
            )
        )
        session.add(
            KeyEncryptionKey(
                kid=old.kid, wrapped=old.wrapped, root_kid=keyring.root.kid, created_at=now
            )
        )
    started = time.perf_counter()
    for offset in range(0, rows, FILL_BATCH):
        people, data_keys = [], []
        for _ in range(min(FILL_BATCH, rows - offset)):
            person = uuid.uuid4()
            people.append(
                {
                    "id": person,
                    "partner_id": partner_id,
                    "status": IndividualStatus.pending_activation,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            wrapped = keyring.wrap_data_key(old.key, keyring.new_data_key(), person)
            data_keys.append(
                {"individual_id": person, "kid": old.kid, "wrapped": wrapped, "created_at": now}
            )
        async with transaction(services.sessions) as session:
            await session.execute(insert(Individual), people)
            await session.execute(insert(DataKey), data_keys)
    print(f"filled {rows:,} data keys in {time.perf_counter() - started:.1f} s")
    async with transaction(services.sessions) as session:
        kid = await keys.start_rotation(session, keyring, datetime.now(UTC))
    started = time.perf_counter()
    done = 0
    while True:
        async with transaction(services.sessions) as session:
            target = await session.get(KeyEncryptionKey, kid)
            assert target is not None
            moved = await keys.rewrap_batch(session, keyring, target, batch=batch)
        if not moved:
            break
        done += moved
    seconds = time.perf_counter() - started
    backend = "PostgreSQL" if postgres else "SQLite"
    print(
        f"{backend}: re-wrapped {done:,} data keys in {seconds:.1f} s = {done / seconds:,.0f}/s (batch {batch})"
    )
    await services.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--batch", type=int, default=keys.REWRAP_BATCH)
    args = parser.parse_args()
    database_url = database(args.postgres)
    upgrade(database_url)
    asyncio.run(main(database_url, args.rows, args.batch))
