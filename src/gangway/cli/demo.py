"""``gangway demo``: a partner and a reviewer on the embedded default, and how to try the flow."""

from __future__ import annotations

import io
import json
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.audit import service as audit
from gangway.auth import service as auth_service
from gangway.checks import sanctions
from gangway.cli.common import run_in_transaction
from gangway.config import get_settings
from gangway.db.migrate import upgrade
from gangway.kit.ids import random_token
from gangway.models import ActorType, SanctionsEntry, StaffRole, StaffUser
from gangway.review.staff import create_staff, set_password
from gangway.services import Services

DEMO_PARTNER = "Demo Fintech"
DEMO_REVIEWER = "reviewer@demo.example"
SAMPLE_LIST = "sample_sanctions.csv"

SAMPLE_INDIVIDUAL = {
    "first_name": "Astrid",
    "last_name": "Lindqvist",
    "email": "astrid.lindqvist@example.com",
    "phone_number": "46701234567",
    "date_of_birth": "1990-04-17",
}


@click.command()
def demo() -> None:
    """Seed a demo partner (prints its API key) and a reviewer (prints the password)."""
    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)
    password = random_token(12)

    async def work(session: AsyncSession, services: Services) -> tuple[Any, Any, int | None]:
        now = services.clock.now()
        partner, issued = await auth_service.create_partner(session, DEMO_PARTNER, now)
        reviewer = await session.scalar(select(StaffUser).where(StaffUser.email == DEMO_REVIEWER))
        if reviewer is None:
            reviewer = await create_staff(session, DEMO_REVIEWER, password, StaffRole.reviewer, now)
        else:
            await set_password(session, reviewer, password)
        await audit.record(
            session,
            action="staff.created",
            now=now,
            actor_type=ActorType.system,
            subject_id=reviewer.id,
            detail={"email": reviewer.email, "role": reviewer.role, "via": "demo"},
        )
        loaded = None
        if not await session.scalar(select(func.count(SanctionsEntry.id))):
            from importlib import resources

            shipped = resources.files("gangway.checks").joinpath("data/" + SAMPLE_LIST)
            stream = io.StringIO(shipped.read_text(encoding="utf-8"), newline="")
            loaded = await sanctions.load_list(session, sanctions.parse_csv(stream), now)
        return partner, issued, loaded

    partner, issued, loaded = run_in_transaction(work)
    base = settings.public_url.rstrip("/")
    body = json.dumps(SAMPLE_INDIVIDUAL)
    click.echo(
        f"""Demo data is ready on {settings.database_url}

  Partner:   {partner.name} ({partner.id})
  API key:   {issued.secret}
  Reviewer:  {DEMO_REVIEWER}
  Password:  {password}
{"  Loaded the sample sanctions list (" + str(loaded) + " fictitious persons) for screening." if loaded else ""}
Try the whole path:

 1. Start the server (another terminal):   gangway serve
 2. Log in as the partner:
      TOKEN=$(curl -s -X POST {base}/v3/auth/login -H 'Content-Type: application/json' \\
        -d '{{"api_key": "{issued.secret}"}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
 3. Create an individual:
      ID=$(curl -s -X POST {base}/v3/individuals -H "Authorization: Bearer $TOKEN" \\
        -H 'Content-Type: application/json' -d '{body}' \\
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
 4. Start the onboarding and copy the redirect_url:
      curl -s -X POST {base}/v3/individuals/$ID/onboard -H "Authorization: Bearer $TOKEN" \\
        -H 'Content-Type: application/json' -d '{{"return_url": "https://example.com/done"}}'
 5. Open the redirect_url in a browser and complete the flow (sandbox phone code: 000000).
 6. Log in at {base}/admin as {DEMO_REVIEWER}, open the individual from the review queue and
    approve it.
 7. See the decision as the partner:
      curl -s {base}/v3/events -H "Authorization: Bearer $TOKEN"

Shortcut for step 5 in the sandbox:
      curl -s -X POST {base}/v3/simulations/onboarding/kyc -H "Authorization: Bearer $TOKEN" \\
        -H 'Content-Type: application/json' -d "{{\\"individual_id\\": \\"$ID\\"}}"
"""
    )
