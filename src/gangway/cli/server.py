from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import Callable
from types import FrameType

import click
import uvicorn

from gangway.bootstrap import build_services, periodic_jobs
from gangway.config import get_settings
from gangway.db.migrate import upgrade
from gangway.observability import configure_logging, serve_metrics


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
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="Also serve /metrics (only) on 127.0.0.1:PORT, without a token.",
)
def serve(host: str, port: int, no_worker: bool, metrics_port: int | None) -> None:
    """Run the HTTP server (API, hosted flow, back office)."""
    from gangway.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, settings.logs_as_json)
    if metrics_port is not None:
        serve_metrics(metrics_port)
    if settings.is_sqlite:
        upgrade(settings.database_url)
    services = build_services(settings)
    app = create_app(services=services, run_worker=not no_worker)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=30,
        server_header=False,
    )
    server = DrainingServer(config, drain_seconds=settings.shutdown_drain_seconds)
    server.on_drain = lambda: setattr(services, "draining", True)
    asyncio.run(server.serve())


class DrainingServer(uvicorn.Server):
    """On SIGTERM, first drain: report not-ready (``/readyz`` 503) and keep serving for
    ``drain_seconds`` so the load balancer stops sending and requests already on the wire are
    read; then Uvicorn's graceful shutdown finishes in-flight requests. SIGINT (Ctrl-C) and a
    second SIGTERM stop at once."""

    def __init__(self, config: uvicorn.Config, *, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.on_drain: Callable[[], None] = lambda: None
        self._draining = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGTERM or self._draining or self.drain_seconds <= 0:
            super().handle_exit(sig, frame)
            return
        self._draining = True
        self.on_drain()
        loop = asyncio.get_event_loop()
        stop = functools.partial(super().handle_exit, sig, frame)
        loop.call_soon_threadsafe(loop.call_later, self.drain_seconds, stop)


@click.command()
def worker() -> None:
    """Run webhook delivery and periodic jobs only (any number may run against PostgreSQL)."""
    from gangway.worker.main import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.logs_as_json)
    services = build_services(settings)
    asyncio.run(run_worker(services, periodic_jobs(services)))
