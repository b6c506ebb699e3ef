from __future__ import annotations

import asyncio

import click

from gangway.config import get_settings
from gangway.db.migrate import upgrade
from gangway.observability import configure_logging


@click.command()
def migrate() -> None:
    """Apply database migrations (Alembic) up to the newest."""
    settings = get_settings()
    upgrade(settings.database_url)
    click.echo("Database is up to date.")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--no-worker", is_flag=True, help="Do not run webhook delivery and periodic jobs here."
)
def serve(host: str, port: int, no_worker: bool) -> None:
    """Run the HTTP server (API, hosted flow, back office)."""
    import uvicorn

    from gangway.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if settings.is_sqlite:
        upgrade(settings.database_url)
    app = create_app(settings, run_worker=not no_worker)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
        server_header=False,
    )
    asyncio.run(uvicorn.Server(config).serve())


@click.command()
def worker() -> None:
    """Run webhook delivery and periodic jobs only (any number may run against PostgreSQL)."""
    from gangway.worker.main import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    asyncio.run(run_worker(settings))
