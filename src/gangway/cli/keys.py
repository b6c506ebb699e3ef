"""``gangway keys``: the key-encryption keys behind personal data (rotation, status, retirement)."""

from __future__ import annotations

import asyncio
import sys
import time

import click

from gangway.bootstrap import build_services
from gangway.config import get_settings
from gangway.db.session import transaction
from gangway.errors import AppError
from gangway.models.sealed import ACTIVE_KEK_TTL_SECONDS
from gangway.privacy import keys as key_service


@click.group()
def keys() -> None:
    """Key-encryption keys: rotate, show, retire (docs/operations.md, Keys)."""


@keys.command("status")
def status_command() -> None:
    """Each KEK with the number of data keys it wraps."""

    async def main() -> None:
        services = build_services(get_settings())
        try:
            async with transaction(services.read_sessions) as session:
                rows = await key_service.status(session)
        finally:
            await services.aclose()
        if not rows:
            click.echo("No key-encryption key yet (one is made with the first individual).")
        for row in rows:
            state = "active" if row.active else ("retired" if row.retired_at else "unused")
            click.echo(
                f"{row.kid}  {state:<8} data keys: {row.data_keys:>9}  webhook secrets: "
                f"{row.webhook_secrets:>5}  created {row.created_at:%Y-%m-%d %H:%M}"
            )

    asyncio.run(main())


@keys.command("rotate")
@click.option("--resume", is_flag=True, help="Continue an interrupted rotation (no new key).")
@click.option(
    "--batch", default=key_service.REWRAP_BATCH, show_default=True, type=click.IntRange(1, 100_000)
)
@click.option(
    "--settle-seconds",
    default=ACTIVE_KEK_TTL_SECONDS + 1,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Wait before the last pass (running processes may still wrap with the old key).",
)
def rotate_command(resume: bool, batch: int, settle_seconds: float) -> None:
    """Create a new KEK and re-wrap every data key under it, in batches (safe while the service
    runs; an interrupted run is resumed with --resume)."""

    async def main() -> None:
        services = build_services(get_settings())
        try:
            async with transaction(services.sessions) as session:
                if resume:
                    target = await key_service.active_kek(session)
                    if target is None:
                        raise click.ClickException("nothing to resume: no key-encryption key")
                    kid = target.kid
                else:
                    kid = await key_service.start_rotation(
                        session, services.keyring, services.clock.now()
                    )
            click.echo(f"active key: {kid}")
            async with transaction(services.read_sessions) as session:
                total = await key_service.remaining(session, kid)
            done = 0
            started = time.monotonic()
            # Processes still trusting the previous KEK (their cache) may wrap a few new keys with
            # it: a last pass after the cache lifetime picks those up.
            for final in (False, True):
                if final:
                    await asyncio.sleep(settle_seconds)
                while True:
                    async with transaction(services.sessions) as session:
                        target = await session.get(key_service.KeyEncryptionKey, kid)
                        assert target is not None
                        moved = await key_service.rewrap_batch(
                            session, services.keyring, target, batch=batch
                        )
                    if not moved:
                        break
                    done += moved
                    _progress(done, max(total, done), started)
            sys.stderr.write("\n")
            async with transaction(services.sessions) as session:
                secrets = await key_service.reseal_webhook_secrets(
                    session, services.webhook_policy.box, kid
                )
            click.echo(f"re-sealed {secrets} webhook signing secrets under {kid}")
            click.echo(
                f"re-wrapped {done} data keys under {kid}; retire the old keys with "
                "`gangway keys retire KID` once `gangway keys status` shows 0 for them"
            )
        finally:
            await services.aclose()

    asyncio.run(main())


@keys.command("retire")
@click.argument("kid")
def retire_command(kid: str) -> None:
    """Delete a KEK that wraps nothing any more."""

    async def main() -> None:
        services = build_services(get_settings())
        try:
            async with transaction(services.sessions) as session:
                await key_service.retire(session, kid)
        except AppError as error:
            raise click.ClickException(error.message) from None
        finally:
            await services.aclose()
        click.echo(f"retired {kid}")

    asyncio.run(main())


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:,.0f}/s")
    sys.stderr.flush()
