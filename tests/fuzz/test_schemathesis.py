"""Property-based fuzzing of the whole partner API from its own OpenAPI document.

A real ``gangway serve`` process, an authenticated partner with some data, and Schemathesis with
every check (``--checks all``) in every phase: the schema's examples, its coverage cases, random
fuzzing and stateful sequences that follow the documented response links (create an individual,
then get, update and onboard it; create a webhook, then rotate and delete it and check the id is
gone). No 5xx; every response conforms to the documented status codes, headers and schemas;
invalid input is rejected and schema-valid input accepted; an operation that needs a token
refuses a request without one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEED_INDIVIDUAL
from tests.support_server import ROOT, gangway_env, running_server

HERE = Path(__file__).resolve().parent
MAX_EXAMPLES = os.environ.get("GANGWAY_FUZZ_EXAMPLES", "15")
SEED = os.environ.get("GANGWAY_FUZZ_SEED", "20261125")


def _schemathesis() -> str:
    local = Path(sys.executable).parent / "schemathesis"
    return str(local) if local.exists() else (shutil.which("schemathesis") or "schemathesis")


@pytest.fixture
def server(app, database_url: str):  # type: ignore[no-untyped-def]
    # ``app`` empties the tables first; the server process shares the database.
    with running_server(database_url, GANGWAY_RATE_LIMIT_PER_SECOND="100000") as base:
        yield base


def _partner_token(server: str, database_url: str) -> str:
    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Fuzz", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=gangway_env(database_url),
    )
    api_key = json.loads(created.stdout)["api_key"]
    token = httpx.post(f"{server}/v3/auth/login", json={"api_key": api_key}).json()["access_token"]
    return str(token)


def test_the_api_survives_schemathesis_with_every_check(
    server: str, database_url: str, tmp_path: Path
) -> None:
    token = _partner_token(server, database_url)
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        httpx.post(f"{server}/v3/individuals", json=SEED_INDIVIDUAL, headers=headers).status_code
        == 201
    )

    result = subprocess.run(
        [
            _schemathesis(),
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            f"{server}/v3/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--suppress-health-check",
            "all",
            "--report",
            "junit,ndjson",
            "--report-junit-path",
            str(tmp_path / "schemathesis.xml"),
            "--report-ndjson-path",
            str(tmp_path / "schemathesis.ndjson"),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"},
        timeout=600,
        check=False,
    )
    print(result.stdout[-4000:])
    assert "Test cases:" in result.stdout, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
