"""``gangway doctor``: what this installation can do, and what is missing for the rest."""

from __future__ import annotations

import asyncio

import click
from sqlalchemy import text

from gangway.bootstrap import build_services
from gangway.config import get_settings


@click.command()
def doctor() -> None:
    """Check the database, the identity-verification engine and the live configuration."""
    settings = get_settings()
    services = build_services(settings)
    problems = 0

    async def database() -> str:
        try:
            async with services.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return "ok"
        finally:
            await services.aclose()

    try:
        click.echo(
            f"database        {asyncio.run(database())} ({settings.database_url.split(':')[0]})"
        )
    except Exception as error:  # any failure is the answer here
        problems += 1
        click.echo(f"database        unreachable ({type(error).__name__})")
    engine = services.verification_engine
    if engine is None:
        click.echo("verification    off (GANGWAY_VERIFICATION_ENGINE=off)")
    else:
        ok, detail = engine.available()
        problems += 0 if ok else 1
        click.echo(
            f"verification    {engine.name}: {'available' if ok else 'NOT available'} ({detail})"
        )
    click.echo(f"environment     {settings.environment}")
    click.echo(f"sms adapter     {settings.resolved_sms_adapter}")
    if problems:
        raise SystemExit(1)
