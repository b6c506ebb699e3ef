"""``gangway staff create``, ``gangway screening load`` and ``gangway demo`` as real subprocesses."""

from __future__ import annotations

import re
from importlib import resources

import httpx
from sqlalchemy import func, select

from gangway.db.session import transaction
from gangway.models import SanctionsEntry, StaffUser
from gangway.services import Services
from tests.cli.test_cli import gangway
from tests.review.conftest import PASSWORD, StaffBrowser

SAMPLE = str(resources.files("gangway.checks").joinpath("data/sample_sanctions.csv"))


def run_with_input(database_url: str, stdin: str, *args: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_SECRET

    return subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "GANGWAY_DATABASE_URL": database_url, "GANGWAY_SECRET_KEY": TEST_SECRET},
        timeout=60,
        check=False,
    )


async def test_staff_create_from_stdin_then_log_in(
    app,
    database_url: str,
    client: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    result = run_with_input(
        database_url,
        PASSWORD + "\n",
        "staff",
        "create",
        "Officer@Bank.example",
        "--role",
        "admin",
        "--password-stdin",
    )
    assert result.returncode == 0, result.stderr
    assert "Created admin officer@bank.example" in result.stdout
    assert PASSWORD not in result.stdout
    browser = StaffBrowser("officer@bank.example", "admin", client, clock=app.state.services.clock)
    # The first login enrols the authenticator app (MFA is required by default).
    assert (await browser.login()).status_code == 303
    assert browser.totp_secret and len(browser.recovery_codes or []) == 10
    assert (await client.get("/admin/partners")).status_code == 200


async def test_staff_create_prompts_twice(app, database_url: str, services: Services) -> None:  # type: ignore[no-untyped-def]
    mismatch_then_match = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    result = run_with_input(
        database_url,
        mismatch_then_match,
        "staff",
        "create",
        "prompted@bank.example",
        "--role",
        "reviewer",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    async with transaction(services.read_sessions) as session:
        user = await session.scalar(
            select(StaffUser).where(StaffUser.email == "prompted@bank.example")
        )
    assert user is not None and user.role == "reviewer"
    assert user.password_hash.startswith("$argon2id$")


async def test_staff_create_refuses_bad_input(app, database_url: str) -> None:  # type: ignore[no-untyped-def]
    short = run_with_input(
        database_url,
        "short\n",
        "staff",
        "create",
        "a@bank.example",
        "--role",
        "reviewer",
        "--password-stdin",
    )
    assert short.returncode != 0 and "at least 12 characters" in short.stderr
    role = run_with_input(
        database_url,
        PASSWORD + "\n",
        "staff",
        "create",
        "a@bank.example",
        "--role",
        "boss",
        "--password-stdin",
    )
    assert role.returncode != 0 and "boss" in role.stderr
    email = run_with_input(
        database_url,
        PASSWORD + "\n",
        "staff",
        "create",
        "not-an-email",
        "--role",
        "reviewer",
        "--password-stdin",
    )
    assert email.returncode != 0 and "email" in email.stderr.lower()
    first = run_with_input(
        database_url,
        PASSWORD + "\n",
        "staff",
        "create",
        "b@bank.example",
        "--role",
        "reviewer",
        "--password-stdin",
    )
    assert first.returncode == 0
    again = run_with_input(
        database_url,
        PASSWORD + "\n",
        "staff",
        "create",
        "B@bank.example",
        "--role",
        "admin",
        "--password-stdin",
    )
    assert again.returncode != 0 and "already exists" in again.stderr


async def test_screening_load_replaces_the_list(
    app, database_url: str, services: Services, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # loading twice replaces, never duplicates
        result = gangway(database_url, "screening", "load", SAMPLE)
        assert result.returncode == 0, result.stderr
        assert "Loaded 6 listed persons" in result.stdout
    async with transaction(services.read_sessions) as session:
        assert await session.scalar(select(func.count(SanctionsEntry.id))) == 6
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,country\nX,Y\n")
    refused = gangway(database_url, "screening", "load", str(wrong))
    assert refused.returncode != 0 and "targets.simple" in refused.stderr
    async with transaction(services.read_sessions) as session:
        assert await session.scalar(select(func.count(SanctionsEntry.id))) == 6


async def test_demo_prints_working_credentials(
    app,
    database_url: str,
    client: httpx.AsyncClient,  # type: ignore[no-untyped-def]
) -> None:
    result = gangway(database_url, "demo")
    assert result.returncode == 0, result.stderr
    api_key = re.search(r"API key:\s+(\S+)", result.stdout)
    password = re.search(r"Password:\s+(\S+)", result.stdout)
    assert api_key and password
    assert (
        await client.post("/v3/auth/login", json={"api_key": api_key.group(1)})
    ).status_code == 200
    browser = StaffBrowser(
        "reviewer@demo.example", "reviewer", client, clock=app.state.services.clock
    )
    assert (await browser.login(password.group(1))).status_code == 303
    assert (
        "/admin" in result.stdout
        and "/onboard" in result.stdout
        and "redirect_url" in result.stdout
    )
    # Running it again works and issues a new password.
    again = gangway(database_url, "demo")
    assert again.returncode == 0, again.stderr


async def test_staff_lifecycle_commands_end_sessions_and_are_audited(
    app,  # type: ignore[no-untyped-def]
    database_url: str,
    make_staff,  # type: ignore[no-untyped-def]
    services: Services,
) -> None:
    from gangway.models import AuditEntry

    admin = await make_staff("admin")
    reviewer = await make_staff("reviewer")
    listed = gangway(database_url, "staff", "list")
    assert listed.returncode == 0, listed.stderr
    assert reviewer.email in listed.stdout and "mfa=totp" in listed.stdout

    # The only admin cannot be disabled or demoted.
    for args in (("disable", admin.email), ("set-role", admin.email, "reviewer")):
        refused = gangway(database_url, "staff", *args)
        assert refused.returncode != 0 and "last active administrator" in refused.stderr

    assert gangway(database_url, "staff", "set-role", reviewer.email, "admin").returncode == 0
    assert (await reviewer.http.get("/admin")).status_code == 303  # the session ended
    disabled = gangway(database_url, "staff", "disable", reviewer.email)
    assert disabled.returncode == 0 and "sessions have ended" in disabled.stdout
    assert (await reviewer.password_step()).status_code == 401
    assert gangway(database_url, "staff", "enable", reviewer.email).returncode == 0
    new_password = "another long passphrase"
    reset = run_with_input(
        database_url,
        new_password + "\n",
        "staff",
        "reset-password",
        reviewer.email,
        "--password-stdin",
    )
    assert reset.returncode == 0, reset.stderr
    assert (await reviewer.login(new_password)).status_code == 303
    mfa_reset = gangway(database_url, "staff", "reset-mfa", reviewer.email)
    assert mfa_reset.returncode == 0
    assert (await reviewer.http.get("/admin")).status_code == 303
    assert (await reviewer.password_step(new_password)).headers["location"] == "/admin/mfa/setup"
    unknown = gangway(database_url, "staff", "disable", "nobody@bank.example")
    assert unknown.returncode != 0 and "No staff account" in unknown.stderr

    async with transaction(services.read_sessions) as session:
        audited = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.actor_type == "system"))
        )
    actions = [e.action for e in audited]
    for action in (
        "staff.role_changed",
        "staff.disabled",
        "staff.enabled",
        "staff.password_reset",
        "staff.mfa_reset",
    ):
        assert action in actions
    assert all(new_password not in str(e.detail) for e in audited)
    assert all(e.detail and e.detail["via"] == "cli" for e in audited)
