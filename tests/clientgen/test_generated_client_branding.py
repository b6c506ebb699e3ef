"""The branding operations through a client generated from ``/v3/openapi.json``: read, set (the
logo as base64), a low-contrast colour refused as a parsed ``ErrorEnvelope`` naming the field."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
from PIL import Image

from tests.clientgen.test_generated_client import _generate, generator, server
from tests.support_server import ROOT, gangway_env

__all__ = ["generator", "server"]


def test_a_generated_client_reads_and_sets_the_branding(
    generator: str, server: str, database_url: str, tmp_path: Path
) -> None:
    _generate(generator, httpx.get(f"{server}/v3/openapi.json").json(), tmp_path)
    try:
        _drive(server, database_url)
    finally:
        sys.path.remove(str(tmp_path / "src"))


def _drive(server: str, database_url: str) -> None:
    from gangway_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
    from gangway_client.api.authentication import login  # type: ignore[import-not-found]
    from gangway_client.api.branding import (  # type: ignore[import-not-found]
        get_branding,
        update_branding,
    )
    from gangway_client.models import (  # type: ignore[import-not-found]
        BrandingOut,
        BrandingPatch,
        ErrorEnvelope,
        LoginRequest,
    )

    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Brand", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=gangway_env(database_url),
    )
    api_key = json.loads(created.stdout)["api_key"]
    tokens = login.sync(client=Client(base_url=server), body=LoginRequest(api_key=api_key))
    client = AuthenticatedClient(base_url=server, token=tokens.access_token)

    empty = get_branding.sync(client=client)
    assert isinstance(empty, BrandingOut) and empty.display_name is None and empty.logo is None

    logo = io.BytesIO()
    Image.new("RGB", (64, 32), (11, 110, 79)).save(logo, format="PNG")
    body = BrandingPatch(
        display_name="Nordpay",
        primary_color="#0b6e4f",
        logo_png=base64.b64encode(logo.getvalue()).decode(),
    )
    branded = update_branding.sync(client=client, body=body)
    assert isinstance(branded, BrandingOut)
    assert branded.primary_color == "#0b6e4f" and branded.logo.width == 64

    refused = update_branding.sync_detailed(
        client=client, body=BrandingPatch(primary_color="#ffcc00")
    )
    assert refused.status_code == 400 and isinstance(refused.parsed, ErrorEnvelope)
    assert [d.field for d in refused.parsed.error.details] == ["primary_color"]
    assert "1.38:1" in refused.parsed.error.details[0].message
