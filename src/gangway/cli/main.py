"""Entry point of the ``gangway`` command."""

from __future__ import annotations

import click

from gangway.cli.partners import partners
from gangway.cli.server import migrate, serve, worker
from gangway.config import ConfigurationError


@click.group()
def cli() -> None:
    """Gangway: onboarding as a service."""


cli.add_command(serve)
cli.add_command(worker)
cli.add_command(migrate)
cli.add_command(partners)


def main() -> None:
    try:
        cli()
    except ConfigurationError as error:
        raise SystemExit(f"gangway: configuration error: {error}") from None
