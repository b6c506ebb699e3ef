"""A partner generates a Python client from ``/v3/openapi.json`` and it works.

``openapi-python-client`` (offline) turns the served document into a package; the test drives a
real ``gangway serve`` through it: login, individuals (create, get, list, onboard), the sandbox
simulations up to a pending action, events (typed by name) and a webhook endpoint. Errors are
parsed as the envelope: a 400 ``validation_error`` and a 422 ``request_blocked`` come back as
``ErrorEnvelope``, never FastAPI's ``HTTPValidationError`` (which the document does not declare).

Skipped when the generator is not installed, unless ``GANGWAY_REQUIRE_CLIENTGEN=1`` (CI).
"""

from __future__ import annotations

import importlib
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

PACKAGE = "gangway_client"


def _generator() -> str | None:
    local = Path(sys.executable).parent / "openapi-python-client"
    return str(local) if local.exists() else shutil.which("openapi-python-client")


@pytest.fixture
def generator() -> str:
    found = _generator()
    if found is None:
        if os.environ.get("GANGWAY_REQUIRE_CLIENTGEN") == "1":
            pytest.fail("openapi-python-client is required (GANGWAY_REQUIRE_CLIENTGEN=1)")
        pytest.skip("openapi-python-client is not installed (dev dependency)")
    return found


@pytest.fixture
def server(app, database_url: str):  # type: ignore[no-untyped-def]
    with running_server(database_url) as base:
        yield base


def _generate(generator: str, document: dict, where: Path):  # type: ignore[no-untyped-def,type-arg]
    (where / "openapi.json").write_text(json.dumps(document))
    (where / "config.json").write_text(
        json.dumps(
            {"post_hooks": [], "project_name_override": PACKAGE, "package_name_override": PACKAGE}
        )
    )
    result = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(where / "src" / PACKAGE),
        ],
        capture_output=True,
        text=True,
        cwd=where,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HTTPValidationError" not in (result.stdout + result.stderr)
    sys.path.insert(0, str(where / "src"))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


def test_a_generated_client_drives_the_api(
    generator: str, server: str, database_url: str, tmp_path: Path
) -> None:
    document = httpx.get(f"{server}/v3/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(document)
    _generate(generator, document, tmp_path)
    try:
        _drive(server, database_url)
    finally:
        sys.path.remove(str(tmp_path / "src"))


def _drive(server: str, database_url: str) -> None:
    from gangway_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
    from gangway_client.api.authentication import login  # type: ignore[import-not-found]
    from gangway_client.api.events import list_events  # type: ignore[import-not-found]
    from gangway_client.api.individuals import (  # type: ignore[import-not-found]
        create_individual,
        get_individual,
        list_individuals,
    )
    from gangway_client.api.onboarding import onboard_individual  # type: ignore[import-not-found]
    from gangway_client.api.pending_actions import (  # type: ignore[import-not-found]
        get_pending_action,
        list_pending_actions,
    )
    from gangway_client.api.simulations import (  # type: ignore[import-not-found]
        simulate_identity_verification,
        simulate_onboarding_kyc,
    )
    from gangway_client.api.webhooks import (  # type: ignore[import-not-found]
        create_webhook,
        delete_webhook,
        get_webhook,
    )
    from gangway_client.models import (  # type: ignore[import-not-found]
        ErrorEnvelope,
        IndividualCreate,
        IndividualOnboardingDataProvided,
        IndividualStatus,
        LoginRequest,
        OnboardRequest,
        PendingActionCreated,
        SimulateKyc,
        WebhookCreate,
    )

    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Clientgen", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=gangway_env(database_url),
    )
    api_key = json.loads(created.stdout)["api_key"]

    tokens = login.sync(client=Client(base_url=server), body=LoginRequest(api_key=api_key))
    assert tokens is not None and tokens.expires_in == 900
    refused = login.sync_detailed(
        client=Client(base_url=server), body=LoginRequest(api_key="gw_sk_nope")
    )
    assert refused.status_code == 401 and isinstance(refused.parsed, ErrorEnvelope)

    client = AuthenticatedClient(base_url=server, token=tokens.access_token)

    individual = create_individual.sync(
        client=client, body=IndividualCreate.from_dict(SEED_INDIVIDUAL)
    )
    assert individual.status == IndividualStatus.PENDING_ACTIVATION
    again = get_individual.sync(individual.id, client=client)
    assert again.id == individual.id and again.address.country_code == "SE"
    page = list_individuals.sync(client=client, limit=10)
    assert [i.id for i in page.data] == [individual.id] and page.has_more is False

    invalid = create_individual.sync_detailed(
        client=client, body=IndividualCreate.from_dict({**SEED_INDIVIDUAL, "email": "not-an-email"})
    )
    assert invalid.status_code == 400
    assert isinstance(invalid.parsed, ErrorEnvelope)
    assert invalid.parsed.error.code == "validation_error"
    assert [d.field for d in invalid.parsed.error.details] == ["email"]

    link = onboard_individual.sync(
        individual.id, client=client, body=OnboardRequest(return_url="http://localhost/back")
    )
    assert link.redirect_url.startswith(server + "/flow/") and link.token

    submitted = simulate_onboarding_kyc.sync(
        client=client, body=SimulateKyc(individual_id=individual.id)
    )
    assert submitted.status == IndividualStatus.ONBOARDING_DATA_PROVIDED

    # body: the generator (0.29) sends UNSET as JSON when an optional body is left out
    blocked = onboard_individual.sync_detailed(individual.id, client=client, body=OnboardRequest())
    assert blocked.status_code == 422
    assert isinstance(blocked.parsed, ErrorEnvelope)
    assert blocked.parsed.error.code == "request_blocked"

    action = simulate_identity_verification.sync(individual.id, client=client)
    assert action.payload.individual_id == individual.id
    assert get_pending_action.sync(action.id, client=client).id == action.id
    pending = list_pending_actions.sync(client=client, individual_id=individual.id)
    assert [a.id for a in pending.data] == [action.id]

    events = list_events.sync(client=client, individual_id=individual.id)
    by_type = {type(e): e for e in events.data}
    provided = by_type[IndividualOnboardingDataProvided]
    assert provided.payload.status == IndividualStatus.ONBOARDING_DATA_PROVIDED
    assert by_type[PendingActionCreated].payload.pending_action_id == action.id

    endpoint = create_webhook.sync(
        client=client, body=WebhookCreate(url="http://127.0.0.1:9/hooks")
    )
    assert endpoint.secret.startswith("whsec_")
    assert get_webhook.sync(endpoint.id, client=client).url == "http://127.0.0.1:9/hooks"
    assert delete_webhook.sync_detailed(endpoint.id, client=client).status_code == 204
    gone = get_webhook.sync_detailed(endpoint.id, client=client)
    assert gone.status_code == 404 and isinstance(gone.parsed, ErrorEnvelope)
