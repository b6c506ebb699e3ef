"""Sandbox simulations for pending actions: raise one as the provider would, or complete one as
if the user had finished its flow. Same services, events and webhooks as the real path."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from gangway.auth.deps import PartnerDep
from gangway.individuals import service as individuals
from gangway.models import ActorType, PendingActionType
from gangway.pending_actions import service
from gangway.pending_actions.schemas import PendingActionOut
from gangway.simulations.endpoints import sandbox_only
from gangway.web.deps import ClockDep, SessionDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(
    prefix="/v3/simulations", tags=["Simulations"], dependencies=[Depends(sandbox_only)]
)


async def _raise(
    individual_id: str,
    action_type: PendingActionType,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
) -> PendingActionOut:
    now = clock.now()
    individual = await individuals.get_for_partner(session, partner.partner_id, individual_id)
    action = await service.raise_action(
        session,
        individual,
        action_type,
        now=now,
        actor_type=ActorType.partner,
        actor_id=partner.partner_id,
    )
    return PendingActionOut.of(action, now)


@router.post(
    "/individuals/{individual_id}/identity_verification",
    operation_id="simulateIdentityVerification",
    status_code=status.HTTP_201_CREATED,
    response_model=PendingActionOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 422),
)
async def simulate_identity_verification(
    individual_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> PendingActionOut:
    """Raise an `IdentityVerification` pending action (and its consent), as staff would; emits
    `PendingActionCreated`. Needs `onboarding_data_provided`, `activated` or `blocked`."""
    return await _raise(
        individual_id, PendingActionType.IdentityVerification, partner, session, clock
    )


@router.post(
    "/individuals/{individual_id}/proof_of_address_verification",
    operation_id="simulateProofOfAddressVerification",
    status_code=status.HTTP_201_CREATED,
    response_model=PendingActionOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 422),
)
async def simulate_proof_of_address_verification(
    individual_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> PendingActionOut:
    """Raise a `ProofOfAddressVerification` pending action (and its consent); emits
    `PendingActionCreated`. Needs `onboarding_data_provided`, `activated` or `blocked`."""
    return await _raise(
        individual_id, PendingActionType.ProofOfAddressVerification, partner, session, clock
    )


@router.post(
    "/pending_actions/{pending_action_id}/complete",
    operation_id="simulatePendingActionCompleted",
    response_model=PendingActionOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 422),
)
async def simulate_pending_action_completed(
    pending_action_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> PendingActionOut:
    """Complete a pending action as if the user had finished its flow; emits
    `PendingActionCompleted`. Needs `pending` (unexpired), else 422."""
    now = clock.now()
    action = await service.get_for_partner(session, partner.partner_id, pending_action_id)
    await service.complete(
        session,
        action,
        now=now,
        actor_type=ActorType.partner,
        actor_id=partner.partner_id,
        detail={"simulated": True},
    )
    return PendingActionOut.of(action, now)
