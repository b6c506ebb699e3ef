"""The ``gangway`` command, run as a real subprocess against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import TEST_SECRET


def gangway(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "GANGWAY_DATABASE_URL": database_url,
        "GANGWAY_SECRET_KEY": TEST_SECRET,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


async def test_partners_create_json_then_login_with_the_key(app, database_url: str, client) -> None:  # type: ignore[no-untyped-def]
    result = gangway(database_url, "partners", "create", "Northwind Pay", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"partner_id", "api_key", "public_key"}
    assert created["public_key"].startswith("pk_")
    login = await client.post("/v3/auth/login", json={"api_key": created["api_key"]})
    assert login.status_code == 200


async def test_keys_create_and_revoke(app, database_url: str, client) -> None:  # type: ignore[no-untyped-def]
    created = json.loads(
        gangway(database_url, "partners", "create", "Rotating Ltd", "--json").stdout
    )
    second = gangway(database_url, "partners", "keys", "create", created["partner_id"], "--json")
    assert second.returncode == 0, second.stderr
    key = json.loads(second.stdout)
    assert (
        await client.post("/v3/auth/login", json={"api_key": key["api_key"]})
    ).status_code == 200
    revoked = gangway(database_url, "partners", "keys", "revoke", key["prefix"])
    assert revoked.returncode == 0, revoked.stderr
    assert (
        await client.post("/v3/auth/login", json={"api_key": key["api_key"]})
    ).status_code == 401
    # the first key still works
    assert (
        await client.post("/v3/auth/login", json={"api_key": created["api_key"]})
    ).status_code == 200


def test_cli_errors_are_clear(database_url: str) -> None:
    unknown = gangway(database_url, "partners", "keys", "revoke", "gw_sk_nothing")
    assert unknown.returncode != 0 and "No API key" in unknown.stderr
    bad_id = gangway(database_url, "partners", "keys", "create", "not-a-uuid")
    assert bad_id.returncode != 0 and "UUID" in bad_id.stderr


@pytest.mark.parametrize("secret", [None, "short", "a" * 40])
def test_live_refuses_to_start_without_a_strong_secret(
    database_url: str, secret: str | None
) -> None:
    env = {"GANGWAY_ENVIRONMENT": "live", "GANGWAY_SECRET_KEY": secret or ""}
    result = gangway(database_url, "migrate", env=env)
    assert result.returncode != 0
    assert "GANGWAY_SECRET_KEY" in result.stderr


async def test_keys_rotate_status_and_retire(app, database_url: str, partner) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import create_individual

    people = [await create_individual(partner) for _ in range(3)]
    before = gangway(database_url, "keys", "status")
    assert before.returncode == 0, before.stderr
    old_kid = before.stdout.split()[0]
    assert "active" in before.stdout
    rotated = gangway(database_url, "keys", "rotate", "--batch", "2", "--settle-seconds", "0")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped" in rotated.stdout
    status = gangway(database_url, "keys", "status").stdout
    lines = {line.split()[0]: line for line in status.splitlines()}
    assert "retired" in lines[old_kid] and lines[old_kid].split("data keys:")[1].split()[0] == "0"
    new_kid = next(kid for kid, line in lines.items() if "active" in line)
    refused = gangway(database_url, "keys", "retire", new_kid)
    assert refused.returncode != 0 and "active" in refused.stderr
    assert gangway(database_url, "keys", "retire", old_kid).returncode == 0
    for person in people:
        fetched = await partner.http.get(f"/v3/individuals/{person['id']}")
        assert fetched.json()["email"] == person["email"]
