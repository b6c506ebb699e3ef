from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response, status

from gangway.auth.deps import PartnerDep
from gangway.individuals import service as individuals
from gangway.models import ActorType, RedactionStatus
from gangway.privacy import service
from gangway.privacy.schemas import RedactIn, RedactionOut
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/individuals", tags=["Individuals"])


@router.post(
    "/{individual_id}/redact",
    operation_id="redactIndividual",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RedactionOut,
    responses={
        200: {"model": RedactionOut, "description": "Erased (now, or by an earlier request)."},
        202: {"description": "Recorded; held until `due_at` under the retention rules."},
        **error_responses(*AUTHENTICATED, 404, 413),
    },
)
async def redact_individual(
    individual_id: str,
    response: Response,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: RedactIn | None = None,
) -> RedactionOut:
    """Erase the individual's personal data (idempotent: a repeat returns the same request).

    Never submitted: erased at once (200). Submitted or decided: the provider must keep the
    data for the AML retention period, so the request is held (202) until `due_at` unless a
    compliance officer approves an earlier erasure. Once erased, `GET` answers with the
    personal fields `null` and `redacted_at` set, and an `IndividualRedacted` event is sent."""
    individual = await individuals.get_for_partner(
        session, partner.partner_id, individual_id, for_update=True
    )
    redaction = await service.request(
        session,
        individual,
        reason=(body or RedactIn()).reason,
        by=service.Requester(ActorType.partner, partner.partner_id),
        now=clock.now(),
        retention=timedelta(days=settings.redaction_retention_days),
    )
    if redaction.status == RedactionStatus.completed:
        response.status_code = status.HTTP_200_OK
    return RedactionOut.model_validate(redaction, from_attributes=True)
