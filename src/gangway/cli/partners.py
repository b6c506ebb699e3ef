from __future__ import annotations

import json

import click
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.auth import service
from gangway.cli.common import run_in_transaction
from gangway.errors import AppError
from gangway.kit.ids import parse_uuid
from gangway.services import Services


@click.group()
def partners() -> None:
    """Partners and their API keys."""


@partners.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print {partner_id, api_key, public_key}.")
def create(name: str, as_json: bool) -> None:
    """Create a partner and print its first API key (shown once) and SDK public key."""
    name = name.strip()
    if not name or len(name) > 200:
        raise click.BadParameter("NAME must be 1-200 characters")

    async def work(session: AsyncSession, services: Services):
        return await service.create_partner(session, name, services.clock.now())

    partner, issued = run_in_transaction(work)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "partner_id": str(partner.id),
                    "api_key": issued.secret,
                    "public_key": partner.public_key,
                }
            )
        )
        return
    click.echo(f"Partner:     {partner.name} ({partner.id})")
    click.echo(f"API key:     {issued.secret}")
    click.echo("             (shown once: store it now; only its hash is kept)")
    click.echo(f"Public key:  {partner.public_key}  (for the mobile SDK)")


@partners.group()
def keys() -> None:
    """Create and revoke API keys (rotation)."""


@keys.command("create")
@click.argument("partner_id")
@click.option("--json", "as_json", is_flag=True)
def keys_create(partner_id: str, as_json: bool) -> None:
    """Issue an additional API key for PARTNER_ID."""
    parsed = parse_uuid(partner_id)
    if parsed is None:
        raise click.BadParameter("PARTNER_ID must be a UUID")

    async def work(session: AsyncSession, services: Services):
        return await service.create_api_key(session, parsed, services.clock.now())

    try:
        issued = run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    if as_json:
        click.echo(json.dumps({"api_key": issued.secret, "prefix": issued.api_key.prefix}))
    else:
        click.echo(f"API key: {issued.secret}\nPrefix:  {issued.api_key.prefix} (use it to revoke)")


@keys.command("revoke")
@click.argument("key_prefix")
def keys_revoke(key_prefix: str) -> None:
    """Revoke the key with KEY_PREFIX; its open sessions end at once."""

    async def work(session: AsyncSession, services: Services):
        return await service.revoke_api_key(session, key_prefix, services.clock.now())

    try:
        run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Revoked {key_prefix}")
