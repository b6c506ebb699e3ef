"""``/v3/simulations/*`` (sandbox only; 404 in live). Simulations call the same services, so
they emit the same events and webhooks as the real path. Each router is listed in ``bootstrap.ROUTES``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gangway.auth.deps import PartnerDep
from gangway.errors import NotFound
from gangway.individuals import service as individuals
from gangway.individuals.schemas import IndividualOut
from gangway.models import IndividualStatus
from gangway.onboarding.service import AfterSubmission
from gangway.simulations import kyc
from gangway.simulations.schemas import SimulateKyc
from gangway.verification import service as verification
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.schemas import AUTHENTICATED, error_responses


def sandbox_only(settings: SettingsDep) -> None:
    """Simulations do not exist in live."""
    if not settings.is_sandbox:
        raise NotFound()


def get_auto_approval(request: Request) -> bool:
    approves: bool = request.app.state.services.checks_policy.auto_approve_low_risk
    return approves


def get_after_submission(request: Request) -> tuple[AfterSubmission, ...]:
    steps: tuple[AfterSubmission, ...] = request.app.state.services.after_submission
    return steps


router = APIRouter(
    prefix="/v3/simulations", tags=["Simulations"], dependencies=[Depends(sandbox_only)]
)


@router.post(
    "/onboarding/kyc",
    operation_id="simulateOnboardingKyc",
    response_model=IndividualOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 413, 422),
)
async def simulate_onboarding_kyc(
    body: SimulateKyc,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    after_submission: Annotated[tuple[AfterSubmission, ...], Depends(get_after_submission)],
    auto_approve: Annotated[bool, Depends(get_auto_approval)],
) -> IndividualOut:
    """Fill in synthetic KYC data (personal details, address, verified phone, a passport with
    generated images, a selfie, due-diligence answers, the sandbox passcode `135790`) and submit it,
    exactly as if the user had finished the hosted flow: the individual becomes
    `onboarding_data_provided` and `IndividualOnboardingDataProvided` is emitted. Identity
    verification gets a simulated report (the pictures are synthetic). Needs `onboarding_requested`, else 422."""
    now = clock.now()
    individual = await individuals.get_for_partner(session, partner.partner_id, body.individual_id)
    individuals.require_status(individual, [IndividualStatus.onboarding_requested])
    await kyc.fill_synthetic_draft(session, individual, now)
    result = await kyc.submit(session, individual.id, now, after_submission=after_submission)
    await verification.record_simulated(
        session, individual.id, now=now, auto_approve_low_risk=auto_approve
    )
    return IndividualOut.model_validate(result.individual)
