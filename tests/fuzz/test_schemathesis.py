"""Property-based fuzzing of the whole partner API from its own OpenAPI document.

A real ``gangway serve`` process, an authenticated partner with some data, and Schemathesis
generating requests for every operation: no 5xx, every response (errors included) conforms to
the documented schema and status codes, invalid input is rejected.
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

MAX_EXAMPLES = os.environ.get("GANGWAY_FUZZ_EXAMPLES", "15")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
    ]
)


def _schemathesis() -> str:
    local = Path(sys.executable).parent / "schemathesis"
    return str(local) if local.exists() else (shutil.which("schemathesis") or "schemathesis")


@pytest.fixture
def server(app, database_url: str):  # type: ignore[no-untyped-def]
    # ``app`` empties the tables first; the server process shares the database.
    with running_server(database_url, GANGWAY_RATE_LIMIT_PER_SECOND="100000") as base:
        yield base


def test_the_api_survives_schemathesis(server: str, database_url: str, tmp_path: Path) -> None:
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
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        httpx.post(f"{server}/v3/individuals", json=SEED_INDIVIDUAL, headers=headers).status_code
        == 201
    )

    result = subprocess.run(
        [
            _schemathesis(),
            "run",
            f"{server}/v3/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "20261125",
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-junit-path",
            str(tmp_path / "schemathesis.xml"),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
        check=False,
    )
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
