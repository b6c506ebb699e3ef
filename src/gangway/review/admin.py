"""Administrator pages (partners, keys, webhooks) and the global audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gangway.audit import service as audit
from gangway.errors import NotFound
from gangway.kit.ids import parse_uuid
from gangway.models import ActorType, ApiKey, Partner
from gangway.review import queries
from gangway.review.deps import AdminDep, ServicesDep, StaffDep
from gangway.review.web import page
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip
from gangway.webhooks import service as webhooks

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/audit")
async def audit_log(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=320)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """Every staff action and security event, newest first; search by actor, subject, IP or
    action."""
    entries, has_more = await audit.search(
        session, text=q.strip() or None, action=action.strip() or None, page=page_number
    )
    return page(
        request,
        "audit.html",
        {
            "entries": entries,
            "actors": await queries.staff_emails(session, entries),
            "q": q,
            "action": action,
            "page": page_number,
            "has_more": has_more,
        },
        staff=staff,
    )


@router.get("/partners")
async def partners(request: Request, staff: AdminDep, session: SessionDep) -> Response:
    return page(
        request, "partners.html", {"partners": await queries.partners(session)}, staff=staff
    )


async def partner_or_404(session: SessionDep, partner_id: str) -> Partner:
    parsed = parse_uuid(partner_id)
    partner = await session.get(Partner, parsed) if parsed else None
    if partner is None:
        raise NotFound("No partner with this id.")
    return partner


@router.get("/partners/{partner_id}")
async def partner_detail(
    request: Request,
    partner_id: str,
    staff: AdminDep,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A partner's API keys (prefix only) and webhook endpoints with their recent deliveries."""
    partner = await partner_or_404(session, partner_id)
    keys = list(
        await session.scalars(
            select(ApiKey).where(ApiKey.partner_id == partner.id).order_by(ApiKey.created_at)
        )
    )
    endpoints = await webhooks.endpoints_with_recent_deliveries(session, partner.id)
    return page(
        request,
        "partner.html",
        {"partner": partner, "keys": keys, "endpoints": endpoints, "done": done},
        staff=staff,
    )


@router.post("/partners/{partner_id}/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry")
async def retry_delivery(
    request: Request,
    partner_id: str,
    endpoint_id: str,
    delivery_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Queue one delivery again now (audited)."""
    partner = await partner_or_404(session, partner_id)
    now = services.clock.now()
    endpoint = await webhooks.get_for_partner(session, partner.id, endpoint_id, lock=True)
    delivery = await webhooks.retry_delivery(session, endpoint, delivery_id, now=now)
    await audit.record(
        session,
        action="webhook_delivery.retried",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=delivery.id,
        client_ip=client_ip(request.scope),
        detail={"partner_id": str(partner.id), "endpoint_id": str(delivery.endpoint_id)},
    )
    return RedirectResponse(f"/admin/partners/{partner.id}?done=retried", status_code=303)


@router.post("/partners/{partner_id}/webhooks/{endpoint_id}/recover")
async def recover_deliveries(
    request: Request,
    partner_id: str,
    endpoint_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
    days: Annotated[int, Form(ge=1, le=30)] = 1,
) -> Response:
    """Re-queue every failed delivery of the endpoint from the last ``days`` days (audited)."""
    partner = await partner_or_404(session, partner_id)
    now = services.clock.now()
    endpoint = await webhooks.get_for_partner(session, partner.id, endpoint_id, lock=True)
    count = await webhooks.recover(session, endpoint, since=now - timedelta(days=days), now=now)
    await audit.record(
        session,
        action="webhook_endpoint.recovered",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=endpoint_id,
        client_ip=client_ip(request.scope),
        detail={"partner_id": str(partner.id), "days": days, "requeued": count},
    )
    return RedirectResponse(f"/admin/partners/{partner.id}?done=recovered", status_code=303)
