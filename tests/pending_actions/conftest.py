from __future__ import annotations

import uuid

from sqlalchemy import update

from gangway.db.session import transaction
from gangway.models import Individual
from tests.conftest import PartnerHandle, create_individual


async def individual_in_status(
    app, partner: PartnerHandle, status: str, **overrides: object
) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """An individual moved straight to ``status`` (the flow and decisions are tested elsewhere)."""
    created = await create_individual(partner, **overrides)
    async with transaction(app.state.services.sessions) as session:
        await session.execute(
            update(Individual)
            .where(Individual.id == uuid.UUID(created["id"]))
            .values(status=status)
        )
    return created
