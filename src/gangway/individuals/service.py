"""Individuals: tenant-scoped reads and writes, and the one guarded status transition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from gangway.errors import NotFound, RequestBlocked
from gangway.individuals.schemas import IndividualCreate, IndividualPatch
from gangway.kit import normalise
from gangway.kit.ids import parse_uuid
from gangway.kit.pagination import keyset_page
from gangway.models import Individual, IndividualStatus
from gangway.models.sealed import keyring_of

EDITABLE_STATUSES = (IndividualStatus.pending_activation, IndividualStatus.onboarding_requested)


async def create(
    session: AsyncSession, partner_id: uuid.UUID, data: IndividualCreate, now: datetime
) -> Individual:
    individual = Individual(
        partner_id=partner_id,
        status=IndividualStatus.pending_activation,
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone_number=data.phone_number,
        date_of_birth=data.date_of_birth,
        address=data.address.model_dump(mode="json") if data.address else None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(individual)
    await session.flush()
    return individual


async def get_for_partner(
    session: AsyncSession,
    partner_id: uuid.UUID,
    individual_id: str | uuid.UUID,
    *,
    for_update: bool = False,
) -> Individual:
    """The partner's individual, or 404 — also for another partner's id (existence never leaks)."""
    parsed = individual_id if isinstance(individual_id, uuid.UUID) else parse_uuid(individual_id)
    if parsed is None:
        raise NotFound("No individual with this id.")
    query = select(Individual).where(Individual.id == parsed, Individual.partner_id == partner_id)
    if for_update:
        query = query.with_for_update()
    individual = await session.scalar(query)
    if individual is None:
        raise NotFound("No individual with this id.")
    return individual


async def list_page(
    session: AsyncSession,
    partner_id: uuid.UUID,
    *,
    status: IndividualStatus | None,
    email: str | None,
    limit: int,
    starting_after: str | None,
) -> tuple[list[Individual], bool]:
    query = select(Individual).where(Individual.partner_id == partner_id)
    if status is not None:
        query = query.where(Individual.status == status)
    if email is not None:
        # The blind index finds the candidates; the exact spelling is compared after decryption.
        index = keyring_of(session).blind_index("email", normalise.email(email))
        query = query.where(Individual.email_index == index)
        rows, has_more = await keyset_page(
            session,
            query,
            model=Individual,
            scope=[Individual.partner_id == partner_id],
            limit=limit,
            starting_after=starting_after,
        )
        return [row for row in rows if row.email == email], has_more
    return await keyset_page(
        session,
        query,
        model=Individual,
        scope=[Individual.partner_id == partner_id],
        limit=limit,
        starting_after=starting_after,
    )


async def patch(
    session: AsyncSession, individual: Individual, data: IndividualPatch, now: datetime
) -> Individual:
    require_status(individual, EDITABLE_STATUSES)
    changes = data.model_dump(exclude_unset=True, mode="json")
    if changes:
        for name, value in changes.items():
            setattr(individual, name, value)
        individual.updated_at = now
        await flush_guarded(session)
    return individual


def require_status(individual: Individual, allowed: Iterable[str]) -> None:
    """Every state-changing request on an individual passes here: an erased one allows none."""
    if individual.redacted_at is not None:
        raise RequestBlocked("The individual's personal data was erased; it allows no changes.")
    allowed = list(allowed)
    if individual.status not in allowed:
        raise RequestBlocked.needs_status("individual", allowed)


async def transition(
    session: AsyncSession,
    individual: Individual,
    to: IndividualStatus,
    *,
    allowed_from: Iterable[IndividualStatus],
    now: datetime,
) -> Individual:
    """Move ``individual`` to ``to`` if its status allows; a concurrent change loses cleanly.

    The UPDATE carries ``WHERE version = :seen`` (the mapper's version column), so of two racing
    requests exactly one succeeds and the other gets ``request_blocked``.
    """
    require_status(individual, allowed_from)
    individual.status = to
    individual.updated_at = now
    await flush_guarded(session)
    return individual


async def flush_guarded(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError:
        raise RequestBlocked(
            "The individual was changed by a concurrent request; reload it and try again."
        ) from None
