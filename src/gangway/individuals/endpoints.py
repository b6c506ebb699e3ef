from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from gangway.auth.deps import PartnerDep
from gangway.individuals import service
from gangway.individuals.schemas import (
    IndividualCreate,
    IndividualOut,
    IndividualPage,
    IndividualPatch,
)
from gangway.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from gangway.models import IndividualStatus
from gangway.web.deps import ClockDep, SessionDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/individuals", tags=["Individuals"])


@router.post(
    "",
    operation_id="createIndividual",
    status_code=status.HTTP_201_CREATED,
    response_model=IndividualOut,
    responses=error_responses(*AUTHENTICATED, 409, 413),
)
async def create_individual(
    body: IndividualCreate, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> IndividualOut:
    """Register an end user. The address is optional; strings are trimmed and must not be empty."""
    individual = await service.create(session, partner.partner_id, body, clock.now())
    return IndividualOut.model_validate(individual)


@router.get(
    "",
    operation_id="listIndividuals",
    response_model=IndividualPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def list_individuals(
    partner: PartnerDep,
    session: SessionDep,
    status: Annotated[IndividualStatus | None, Query()] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> IndividualPage:
    """The partner's individuals, newest first, with keyset pagination."""
    rows, has_more = await service.list_page(
        session,
        partner.partner_id,
        status=status,
        email=email,
        limit=limit,
        starting_after=starting_after,
    )
    return IndividualPage(data=[IndividualOut.model_validate(r) for r in rows], has_more=has_more)


@router.get(
    "/{individual_id}",
    operation_id="getIndividual",
    response_model=IndividualOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_individual(
    individual_id: str, partner: PartnerDep, session: SessionDep
) -> IndividualOut:
    """One individual; another partner's id is a 404."""
    return IndividualOut.model_validate(
        await service.get_for_partner(session, partner.partner_id, individual_id)
    )


@router.patch(
    "/{individual_id}",
    operation_id="updateIndividual",
    response_model=IndividualOut,
    responses=error_responses(*AUTHENTICATED, 404, 413, 422),
)
async def update_individual(
    individual_id: str,
    body: IndividualPatch,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
) -> IndividualOut:
    """Change `email`, `phone_number` or `address`; only before the onboarding data is provided
    (statuses `pending_activation`, `onboarding_requested`), else 422 `request_blocked`."""
    individual = await service.get_for_partner(session, partner.partner_id, individual_id)
    return IndividualOut.model_validate(await service.patch(session, individual, body, clock.now()))
