"""The back office's branding page: an administrator sets a partner's flow branding (audited).

The same rules as ``PATCH /v3/branding`` (``branding.service.update``): a colour below the
WCAG AA contrast is refused with the measured ratios, a logo must be a PNG (re-encoded).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from gangway.branding import service as branding
from gangway.branding.logo import MAX_LOGO_BYTES
from gangway.branding.schemas import BrandingPatch
from gangway.errors import FieldError, ValidationFailed
from gangway.models import ActorType, Partner, PartnerBranding
from gangway.review.admin import partner_or_404
from gangway.review.deps import AdminDep, ServicesDep
from gangway.review.web import page
from gangway.web.deps import SessionDep
from gangway.web.errors import validation_details
from gangway.web.middleware import client_ip

router = APIRouter(prefix="/admin", include_in_schema=False)

TEXT_FIELDS = branding.TEXT_FIELDS


def _form_page(
    request: Request,
    staff: AdminDep,
    partner: Partner,
    current: PartnerBranding | None,
    *,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    done: str | None = None,
) -> Response:
    view = branding.flow_view(current) if current is not None else None
    context: dict[str, Any] = {
        "partner": partner,
        "values": values,
        "errors": errors or [],
        "logo_url": view.logo_url if view else None,
        "done": done,
        "max_logo_kib": MAX_LOGO_BYTES // 1024,
    }
    return page(request, "branding.html", context, staff=staff, status_code=400 if errors else 200)


def _values_of(current: PartnerBranding | None) -> dict[str, str]:
    return {name: (getattr(current, name) or "") if current else "" for name in TEXT_FIELDS}


@router.get("/partners/{partner_id}/branding")
async def branding_form(
    request: Request,
    partner_id: str,
    staff: AdminDep,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The partner's flow branding, as a form."""
    partner = await partner_or_404(session, partner_id)
    current = await branding.get(session, partner.id)
    return _form_page(request, staff, partner, current, values=_values_of(current), done=done)


@router.post("/partners/{partner_id}/branding")
async def save_branding(
    request: Request,
    partner_id: str,
    staff: AdminDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Save the form (AdminDep checked the CSRF token): an empty field clears that part."""
    partner = await partner_or_404(session, partner_id)
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in TEXT_FIELDS}
    changes: dict[str, object] = {}
    try:
        parsed = BrandingPatch.model_validate({k: v or None for k, v in values.items()})
        changes = parsed.changes()
        upload = form.get("logo")
        if form.get("remove_logo") == "yes":
            changes["logo_png"] = None
        elif isinstance(upload, UploadFile) and upload.filename:
            changes["logo_png"] = await upload.read(MAX_LOGO_BYTES + 1)
        await branding.update(
            session,
            partner.id,
            changes,
            settings=services.settings,
            now=services.clock.now(),
            actor=branding.Actor(ActorType.staff, staff.staff_id, client_ip(request.scope)),
        )
    except (ValidationError, ValidationFailed) as error:
        details = (
            validation_details(list(error.errors()))  # type: ignore[arg-type]
            if isinstance(error, ValidationError)
            else error.details
        )
        current = await branding.get(session, partner.id)
        return _form_page(request, staff, partner, current, values=values, errors=details)
    return RedirectResponse(f"/admin/partners/{partner.id}/branding?done=saved", status_code=303)
