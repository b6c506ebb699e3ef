"""``gangway staff``: back-office accounts."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.cli.common import run_in_transaction
from gangway.errors import AppError
from gangway.models import ActorType, StaffRole, StaffUser
from gangway.review import mfa
from gangway.review import staff as staff_service
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


Changed = tuple[str, dict[str, Any]] | None
# Returns the audit action and its detail (``None``: nothing changed).
Change = Callable[[AsyncSession, Services, StaffUser], Awaitable[Changed]]


def _change(email: str, change: Change) -> None:
    """Run ``change`` on the account of EMAIL in one transaction, audited with the CLI as the
    actor (never a password in the detail)."""

    async def work(session: AsyncSession, services: Services) -> str | None:
        user = await staff_service.get_staff_by_email(session, email)
        changed = await change(session, services, user)
        if changed is None:
            return None
        action, detail = changed
        await audit.record(
            session,
            action=action,
            now=services.clock.now(),
            actor_type=ActorType.system,
            subject_id=user.id,
            detail={"email": user.email, "via": "cli", **detail},
        )
        return action

    try:
        action = run_in_transaction(work)
    except AppError as error:
        raise click.ClickException(error.message) from None
    if action is None:
        click.echo(f"Nothing changed for {email}.")
    elif action == "staff.enabled":
        click.echo(f"{DONE[action]}: {email}.")
    else:
        click.echo(f"{DONE[action]}: {email}. Their sessions have ended.")


DONE = {
    "staff.disabled": "Disabled",
    "staff.enabled": "Enabled",
    "staff.role_changed": "Role changed",
    "staff.password_reset": "Password reset",
    "staff.mfa_reset": "Second factors reset",
}


@staff.command("list")
def list_accounts() -> None:
    """Every account: email, role, state, second factors, last login."""

    async def work(session: AsyncSession, services: Services) -> list[tuple[StaffUser, Any]]:
        accounts = await staff_service.list_staff(session)
        factors = await mfa.factor_summary(session, [a.id for a in accounts])
        return [(a, factors[a.id]) for a in accounts]

    rows = run_in_transaction(work)
    if not rows:
        click.echo("No staff accounts. Create one with: gangway staff create EMAIL --role admin")
        return
    for user, factors in rows:
        state = "disabled" if user.disabled_at else "active"
        second = (
            ",".join(
                name for name, on in (("totp", factors.totp), ("passkey", factors.passkeys)) if on
            )
            or "none"
        )
        last = user.last_login_at.isoformat() if user.last_login_at else "never"
        click.echo(f"{user.email}\t{user.role}\t{state}\tmfa={second}\tlast_login={last}")


@staff.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable the account of EMAIL; its sessions end at once."""

    async def change(session: AsyncSession, services: Services, user: StaffUser) -> Changed:
        done = await staff_service.disable_staff(session, user, services.clock.now())
        return ("staff.disabled", {}) if done else None

    _change(email, change)


@staff.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Enable the account of EMAIL again."""

    async def change(session: AsyncSession, services: Services, user: StaffUser) -> Changed:
        return ("staff.enabled", {}) if await staff_service.enable_staff(session, user) else None

    _change(email, change)


@staff.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in StaffRole]))
def set_role(email: str, role: str) -> None:
    """Give EMAIL the role ROLE (reviewer or admin); their sessions end at once."""

    async def change(session: AsyncSession, services: Services, user: StaffUser) -> Changed:
        before = user.role
        if not await staff_service.set_role(session, user, StaffRole(role), services.clock.now()):
            return None
        return "staff.role_changed", {"before": str(before), "after": role}

    _change(email, change)


@staff.command("reset-password")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL; their sessions end at once."""
    password = _read_password(password_stdin)

    async def change(session: AsyncSession, services: Services, user: StaffUser) -> Changed:
        await staff_service.reset_password(session, user, password, services.clock.now())
        return "staff.password_reset", {}

    _change(email, change)


@staff.command("reset-mfa")
@click.argument("email")
def reset_mfa(email: str) -> None:
    """Remove the second factors of EMAIL (lost device); they enrol again at the next login."""

    async def change(session: AsyncSession, services: Services, user: StaffUser) -> Changed:
        removed = await mfa.reset_factors(session, user, services.clock.now())
        return "staff.mfa_reset", {"removed": removed}

    _change(email, change)
