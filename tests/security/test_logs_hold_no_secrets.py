"""After a full sandbox journey through a real server process, its captured logs contain no
secrets, tokens or personal data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import SEED_INDIVIDUAL
from tests.support_server import ROOT, gangway_env, running_server


def test_logs_after_a_full_journey_hold_no_secrets_or_personal_data(
    app, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    log_path = tmp_path / "server.log"
    created = subprocess.run(
        [sys.executable, "-m", "gangway.cli.main", "partners", "create", "Logs", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=gangway_env(database_url),
    )
    partner = json.loads(created.stdout)
    secrets: list[str] = [partner["api_key"]]
    person = {
        **SEED_INDIVIDUAL,
        "first_name": "Wilhelmina",
        "last_name": "Zyxwvutsrq",
        "email": "wilhelmina.zyx@example.com",
        "phone_number": "46701234567",
    }
    with running_server(
        database_url, worker=True, log_path=log_path, GANGWAY_LOG_LEVEL="DEBUG"
    ) as base:
        http = httpx.Client(base_url=base, timeout=30)
        tokens = http.post("/v3/auth/login", json={"api_key": partner["api_key"]}).json()
        secrets += [tokens["access_token"], tokens["refresh_token"]]
        http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        hook = http.post("/v3/webhooks", json={"url": "http://127.0.0.1:9/hook"}).json()
        secrets.append(hook["secret"])
        individual = http.post("/v3/individuals", json=person).json()
        http.post("/v3/individuals", json={"first_name": "", "email": person["email"]})  # a 400
        onboard = http.post(
            f"/v3/individuals/{individual['id']}/onboard",
            json={"return_url": "https://example.com/back"},
        ).json()
        secrets.append(onboard["token"])
        with httpx.Client(base_url=base, follow_redirects=False) as browser:
            assert browser.get(onboard["redirect_url"].replace(base, "")).status_code in (303, 302)
            assert (
                browser.get("/flow/start", params={"token": "not-a-real-token"}).status_code == 410
            )
        kyc = http.post("/v3/simulations/onboarding/kyc", json={"individual_id": individual["id"]})
        assert kyc.status_code == 200, kyc.text
        decided = http.post(
            "/v3/simulations/onboarding/status",
            json={"individual_id": individual["id"], "status": "activated"},
        )
        assert decided.status_code == 200, decided.text
        action = http.post(
            f"/v3/simulations/individuals/{individual['id']}/identity_verification"
        ).json()
        consent = http.post(f"/v3/consents/{action['payload']['consent_id']}").json()
        secrets.append(consent["method"]["token"])
        http.get("/v3/events", params={"individual_id": individual["id"]})
        http.close()

    logs = log_path.read_text()
    assert '"msg": "request"' in logs, "the server should have logged its requests"
    personal = [
        person["first_name"],
        person["last_name"],
        person["email"],
        person["phone_number"],
        person["date_of_birth"],
        person["address"]["street1"],
    ]
    for needle in secrets + personal:
        where = logs.find(needle)
        assert where < 0, (
            f"found {needle[:12]}... in the logs: {logs[max(0, where - 300) : where + 100]}"
        )
