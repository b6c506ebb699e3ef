"""``gangway staff``: back-office accounts."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.cli.common import run_in_transaction
from gangway.errors import AppError
from gangway.models import ActorType, StaffRole
from gangway.review.staff import MIN_PASSWORD_LENGTH, create_staff
from gangway.services import Services


@click.group()
def staff() -> None:
    """Back-office staff accounts."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(
        click.prompt(
            f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt="Repeat the password",
        )
    )


@staff.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in StaffRole]),
    required=True,
    help="reviewer or admin",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create a back-office account for EMAIL."""
    password = _read_password(password_stdin)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters."
        )

    async def work(session: AsyncSession, services: Services) -> Any:
        now = services.clock.now()
        user = await create_staff(session, email, password, StaffRole(role), now)
        await audit.record(
            session,
            action="staff.created",
            now=now,
            actor_type=ActorType.system,
            subject_id=user.id,
            detail={"email": user.email, "role": user.role, "via": "cli"},
        )
        return user

    try:
        user = run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role} {user.email} ({user.id}). Log in at /admin.")
