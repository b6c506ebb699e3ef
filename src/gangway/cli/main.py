"""Entry point of the ``gangway`` command."""

from __future__ import annotations

import click

from gangway.cli.demo import demo
from gangway.cli.doctor import doctor
from gangway.cli.keys import keys
from gangway.cli.partners import partners
from gangway.cli.screening import screening
from gangway.cli.server import migrate, serve, worker
from gangway.cli.staff import staff
from gangway.cli.webhooks import webhooks
from gangway.config import ConfigurationError


@click.group()
def cli() -> None:
    """Gangway: onboarding as a service."""


cli.add_command(serve)
cli.add_command(worker)
cli.add_command(migrate)
cli.add_command(partners)
cli.add_command(staff)
cli.add_command(screening)
cli.add_command(demo)
cli.add_command(webhooks)
cli.add_command(doctor)
cli.add_command(keys)


def main() -> None:
    try:
        cli()
    except ConfigurationError as error:
        raise SystemExit(f"gangway: configuration error: {error}") from None


if __name__ == "__main__":
    main()
