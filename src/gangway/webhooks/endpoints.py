from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from gangway.auth.deps import PartnerDep
from gangway.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT
from gangway.models import DeliveryStatus
from gangway.web.deps import ClockDep, SessionDep
from gangway.web.schemas import AUTHENTICATED, error_responses
from gangway.webhooks import service
from gangway.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    RecoverOut,
    RecoverRequest,
    WebhookCreate,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
    WebhookWithSecret,
)

router = APIRouter(prefix="/v3/webhooks", tags=["Webhooks"])


def get_policy(request: Request) -> service.Policy:
    policy: service.Policy = request.app.state.services.webhook_policy
    return policy


PolicyDep = Annotated[service.Policy, Depends(get_policy)]


def _with_secret(endpoint: object, secret: str) -> WebhookWithSecret:
    out = WebhookOut.model_validate(endpoint)
    return WebhookWithSecret(**out.model_dump(), secret=secret)


@router.post(
    "",
    operation_id="createWebhook",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookWithSecret,
    responses=error_responses(*AUTHENTICATED, 409, 413, 422),
)
async def create_webhook(
    body: WebhookCreate,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    policy: PolicyDep,
) -> WebhookWithSecret:
    """Register an endpoint that receives the partner's events, signed with Standard Webhooks.

    The response holds the signing `secret` (`whsec_...`); it is shown only here (and after a
    rotation). The URL must be `https` and resolve to a public address. `events` omitted or empty
    means every event. At most 20 endpoints per partner (else 422).
    """
    endpoint, secret = await service.create(
        session,
        partner.partner_id,
        url=body.url,
        events=body.events,
        now=clock.now(),
        policy=policy,
    )
    return _with_secret(endpoint, secret)


@router.get(
    "",
    operation_id="listWebhooks",
    response_model=WebhookPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def list_webhooks(
    partner: PartnerDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> WebhookPage:
    """The partner's endpoints, newest first, with keyset pagination. Secrets are not shown."""
    rows, has_more = await service.list_page(
        session, partner.partner_id, limit=limit, starting_after=starting_after
    )
    return WebhookPage(data=[WebhookOut.model_validate(r) for r in rows], has_more=has_more)


@router.get(
    "/{webhook_id}",
    operation_id="getWebhook",
    response_model=WebhookOut,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_webhook(webhook_id: str, partner: PartnerDep, session: SessionDep) -> WebhookOut:
    """One endpoint (without its secret); another partner's id is a 404."""
    return WebhookOut.model_validate(
        await service.get_for_partner(session, partner.partner_id, webhook_id)
    )


@router.patch(
    "/{webhook_id}",
    operation_id="updateWebhook",
    response_model=WebhookOut,
    responses=error_responses(*AUTHENTICATED, 404, 413),
)
async def update_webhook(
    webhook_id: str,
    body: WebhookPatch,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    policy: PolicyDep,
) -> WebhookOut:
    """Change `url`, `events` or `status` (`enabled` | `disabled`).

    A disabled endpoint gets no new deliveries, and its pending ones are marked failed.
    Re-enabling does not resend the past: call `recover` for that.
    """
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id, lock=True)
    updated = await service.update_endpoint(
        session, endpoint, changes=body.changes(), now=clock.now(), policy=policy
    )
    return WebhookOut.model_validate(updated)


@router.delete(
    "/{webhook_id}",
    operation_id="deleteWebhook",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def delete_webhook(webhook_id: str, partner: PartnerDep, session: SessionDep) -> Response:
    """Delete the endpoint with its deliveries log; nothing more is sent to it."""
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id)
    await service.delete_endpoint(session, endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate_secret",
    operation_id="rotateWebhookSecret",
    response_model=WebhookWithSecret,
    responses=error_responses(*AUTHENTICATED, 404, 409),
)
async def rotate_webhook_secret(
    webhook_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep, policy: PolicyDep
) -> WebhookWithSecret:
    """Issue a new secret (shown once). For 24 hours every delivery carries two signatures, one
    with the new and one with the previous secret, so the receiver can switch without a gap."""
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id, lock=True)
    secret = await service.rotate_secret(session, endpoint, now=clock.now(), policy=policy)
    return _with_secret(endpoint, secret)


@router.get(
    "/{webhook_id}/deliveries",
    operation_id="listWebhookDeliveries",
    response_model=DeliveryPage,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def list_webhook_deliveries(
    webhook_id: str,
    partner: PartnerDep,
    session: SessionDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first, each with its attempts log (status code, error,
    duration, the first 1 KiB of the response). Filter by `status`: pending, succeeded, failed."""
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id)
    rows, has_more = await service.list_deliveries(
        session, endpoint, status=status, limit=limit, starting_after=starting_after
    )
    return DeliveryPage(
        data=[_delivery_out(delivery, attempts) for delivery, attempts in rows], has_more=has_more
    )


def _delivery_out(delivery: object, attempts: Sequence[object]) -> DeliveryOut:
    fields = {
        name: getattr(delivery, name) for name in DeliveryOut.model_fields if name != "attempts"
    }
    return DeliveryOut.model_validate({**fields, "attempts": attempts})


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    operation_id="retryWebhookDelivery",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 422),
)
async def retry_webhook_delivery(
    webhook_id: str, delivery_id: str, partner: PartnerDep, session: SessionDep, clock: ClockDep
) -> DeliveryOut:
    """Send this delivery again now, with a fresh retry schedule (whatever its status).
    The endpoint must be enabled (else 422)."""
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id)
    delivery = await service.retry_delivery(session, endpoint, delivery_id, now=clock.now())
    return _delivery_out(delivery, [])


@router.post(
    "/{webhook_id}/recover",
    operation_id="recoverWebhookDeliveries",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RecoverOut,
    responses=error_responses(*AUTHENTICATED, 404, 409, 413, 422),
)
async def recover_webhook_deliveries(
    webhook_id: str,
    body: RecoverRequest,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
) -> RecoverOut:
    """Queue again every `failed` delivery of events created since `since` (for example after
    the receiver was down for longer than the retry schedule). The endpoint must be enabled."""
    endpoint = await service.get_for_partner(session, partner.partner_id, webhook_id)
    count = await service.recover(session, endpoint, since=body.since, now=clock.now())
    return RecoverOut(requeued=count)
