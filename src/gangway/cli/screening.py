"""``gangway screening``: the sanctions list the automated checks screen against."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.checks import sanctions
from gangway.cli.common import run_in_transaction
from gangway.errors import AppError
from gangway.models import ActorType
from gangway.services import Services


@click.group()
def screening() -> None:
    """Sanctions screening lists."""


@screening.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Replace the sanctions list with FILE, an OpenSanctions "targets.simple" CSV.

    Only persons are kept. The whole list is replaced in one transaction.
    """

    async def work(session: AsyncSession, services: Services) -> int:
        now = services.clock.now()
        with file.open(encoding="utf-8", newline="") as stream:
            count = await sanctions.load_list(session, sanctions.parse_csv(stream), now)
        await audit.record(
            session,
            action="sanctions_list.loaded",
            now=now,
            actor_type=ActorType.system,
            detail={"file": file.name, "persons": count},
        )
        return count

    try:
        count = run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise click.ClickException(f"Cannot read {file}: {error}") from None
    click.echo(f"Loaded {count} listed persons from {file.name}.")
