"""``POST /v3/individuals/{id}/onboard``: start (or resume) the hosted onboarding."""

from __future__ import annotations

from fastapi import APIRouter

from gangway.auth.deps import PartnerDep
from gangway.individuals import service as individuals
from gangway.models import IndividualStatus
from gangway.onboarding import links
from gangway.onboarding.schemas import OnboardRequest, OnboardResponse
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/individuals", tags=["Onboarding"])

ONBOARDABLE = (IndividualStatus.pending_activation, IndividualStatus.onboarding_requested)


@router.post(
    "/{individual_id}/onboard",
    operation_id="onboardIndividual",
    response_model=OnboardResponse,
    responses=error_responses(*AUTHENTICATED, 404, 409, 413, 422),
)
async def onboard_individual(
    individual_id: str,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: OnboardRequest | None = None,
) -> OnboardResponse:
    """Create a pre-signed link to the hosted onboarding flow.

    Allowed from `pending_activation` (the individual becomes `onboarding_requested`) and
    `onboarding_requested` (a new link; earlier unexpired links keep working and the user resumes
    the saved draft). Send the user's browser to `redirect_url`, or give `token` to the mobile SDK.
    Both expire at `expires_at` and stop working once the data is submitted.
    """
    now = clock.now()
    return_url = None
    if body is not None and body.return_url is not None:
        return_url = links.validate_return_url(body.return_url, settings)
    individual = await individuals.get_for_partner(
        session, partner.partner_id, individual_id, for_update=True
    )
    individuals.require_status(individual, ONBOARDABLE)
    if individual.status == IndividualStatus.pending_activation:
        await individuals.transition(
            session,
            individual,
            IndividualStatus.onboarding_requested,
            allowed_from=[IndividualStatus.pending_activation],
            now=now,
        )
    issued = await links.issue(
        session, individual, return_url=return_url, settings=settings, now=now
    )
    return OnboardResponse(
        redirect_url=issued.redirect_url, token=issued.token, expires_at=issued.link.expires_at
    )
