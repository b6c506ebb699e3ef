"""Back office: erasure requests under the retention hold, and a compliance officer's early
approval (the periodic job then completes the erasure)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from gangway.errors import FieldError, NotFound, ValidationFailed
from gangway.kit.ids import parse_uuid
from gangway.models import Individual, Partner, RedactionRequest
from gangway.privacy import service as privacy
from gangway.review.deps import ServicesDep, StaffDep
from gangway.review.web import page
from gangway.web.deps import SessionDep

router = APIRouter(prefix="/admin/erasures", include_in_schema=False)


@router.get("")
async def erasures(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
) -> Response:
    held = await privacy.pending(session)
    partners = {
        partner.id: partner.name
        for partner in await session.scalars(
            select(Partner).where(Partner.id.in_({r.partner_id for r in held}))
        )
    }
    return page(
        request,
        "erasures.html",
        {"held": held, "partners": partners, "done": request.query_params.get("done")},
        staff=staff,
    )


@router.post("/{individual_id}/approve")
async def approve(
    individual_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """Lift the retention hold: the law allows an earlier erasure (say why, for the audit)."""
    parsed = parse_uuid(individual_id)
    redaction = await session.get(RedactionRequest, parsed) if parsed else None
    if redaction is None or await session.get(Individual, redaction.individual_id) is None:
        raise NotFound("No erasure request for this individual.")
    if not note.strip():
        raise ValidationFailed(
            "Say why the law allows an earlier erasure.",
            details=[FieldError("note", "Required: it is kept in the audit log.")],
        )
    await privacy.approve_early(
        session, redaction, staff_id=staff.staff_id, note=note.strip(), now=services.clock.now()
    )
    return RedirectResponse("/admin/erasures?done=approved", status_code=303)
