"""``POST /v3/simulations/onboarding/status``: decide an onboarding without a reviewer (sandbox)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import ConfigDict, Field

from gangway.auth.deps import PartnerDep
from gangway.errors import RequestBlocked
from gangway.individuals import service as individuals
from gangway.individuals.decisions import Actor, Decision, decide
from gangway.individuals.schemas import IndividualOut
from gangway.models import ActorType, IndividualStatus
from gangway.simulations.endpoints import sandbox_only
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.middleware import client_ip
from gangway.web.schemas import AUTHENTICATED, StrictInput, error_responses

router = APIRouter(
    prefix="/v3/simulations", tags=["Simulations"], dependencies=[Depends(sandbox_only)]
)

# (target status, current status) → the reviewer decision it stands for.
_DECISIONS: dict[tuple[str, str], Decision] = {
    (IndividualStatus.activated, IndividualStatus.onboarding_data_provided): Decision.approve,
    (IndividualStatus.activated, IndividualStatus.blocked): Decision.unblock,
    (IndividualStatus.blocked, IndividualStatus.onboarding_data_provided): Decision.reject,
    (IndividualStatus.blocked, IndividualStatus.activated): Decision.block,
}
SIMULATED_NOTE = "Simulated decision (sandbox)."


class StatusSimulation(StrictInput):
    individual_id: str = Field(
        max_length=64,
        json_schema_extra={"format": "uuid"},
    )
    status: Literal["activated", "blocked"]
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"individual_id": "9c017aec-c952-4713-aa10-11708cb0d11a", "status": "activated"}
            ]
        }
    )


@router.post(
    "/onboarding/status",
    operation_id="simulateOnboardingStatus",
    response_model=IndividualOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 413, 422),
)
async def simulate_onboarding_status(
    body: StatusSimulation,
    request: Request,
    partner: PartnerDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> IndividualOut:
    """Sandbox only (404 in live): approve or reject a submitted onboarding as a reviewer would,
    through the same decision service, events and webhooks.

    `activated` needs `onboarding_data_provided` or `blocked`; `blocked` needs
    `onboarding_data_provided` or `activated`; otherwise 422 `request_blocked`. A simulated
    rejection carries a generic `reason` in its `IndividualBlocked` event."""
    individual = await individuals.get_for_partner(session, partner.partner_id, body.individual_id)
    decision = _DECISIONS.get((body.status, individual.status))
    if decision is None:
        allowed = [current for target, current in _DECISIONS if target == body.status]
        raise RequestBlocked.needs_status("individual", allowed)
    await decide(
        session,
        individual,
        decision,
        actor=Actor(ActorType.partner, str(partner.partner_id), client_ip(request.scope)),
        now=clock.now(),
        reason="other" if decision in (Decision.reject, Decision.block) else None,
        note=SIMULATED_NOTE,
    )
    return IndividualOut.model_validate(individual)
