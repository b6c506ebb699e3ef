from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from gangway.auth.deps import PartnerDep
from gangway.consents import service
from gangway.consents.schemas import ConsentMethod, ConsentOpen, ConsentOpened, ConsentOut
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/consents", tags=["Consents"])


@router.get(
    "/{consent_id}",
    operation_id="getConsent",
    response_model=ConsentOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_consent(
    consent_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> ConsentOut:
    """One consent (the authorisation step behind a pending action)."""
    consent = await service.get_for_partner(session, partner.partner_id, consent_id)
    return ConsentOut.of(consent, clock.now())


@router.post(
    "/{consent_id}",
    operation_id="openConsent",
    response_model=ConsentOpened,
    responses=error_responses(*AUTHENTICATED, 404, 409, 413, 422),
)
async def open_consent(
    consent_id: str,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: Annotated[ConsentOpen | None, Body()] = None,
) -> ConsentOpened:
    """Mint a link (`redirect_url`) and an SDK `token` for the consent's hosted flow. Allowed
    only while the consent is `pending` and unexpired, else 422 `request_blocked`. The body is
    optional; each call mints a fresh link for the same consent."""
    consent = await service.get_for_partner(session, partner.partner_id, consent_id)
    issued = await service.open_link(
        session,
        consent,
        return_url=body.return_url if body else None,
        settings=settings,
        now=clock.now(),
    )
    return ConsentOpened(
        method=ConsentMethod(
            redirect_url=issued.redirect_url, token=issued.token, expires_at=issued.link.expires_at
        )
    )
