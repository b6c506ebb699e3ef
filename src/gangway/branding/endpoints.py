from __future__ import annotations

from fastapi import APIRouter, Request

from gangway.auth.deps import PartnerDep
from gangway.branding import service
from gangway.branding.logo import LogoRejected, from_base64
from gangway.branding.schemas import BrandingOut, BrandingPatch, LogoOut
from gangway.errors import FieldError, ValidationFailed
from gangway.models import ActorType, PartnerBranding
from gangway.web.deps import ClockDep, SessionDep, SettingsDep
from gangway.web.middleware import client_ip
from gangway.web.schemas import AUTHENTICATED, error_responses

router = APIRouter(prefix="/v3/branding", tags=["Branding"])


def branding_out(branding: PartnerBranding | None, public_url: str) -> BrandingOut:
    if branding is None:
        return BrandingOut(
            display_name=None,
            primary_color=None,
            support_email=None,
            support_phone=None,
            support_url=None,
            logo=None,
            updated_at=None,
        )
    logo = None
    if branding.logo_sha256 and branding.logo_width and branding.logo_height:
        view = service.flow_view(branding)
        logo = LogoOut(
            url=public_url.rstrip("/") + str(view.logo_url),
            width=branding.logo_width,
            height=branding.logo_height,
            sha256=branding.logo_sha256,
        )
    return BrandingOut(
        display_name=branding.display_name,
        primary_color=branding.primary_color,
        support_email=branding.support_email,
        support_phone=branding.support_phone,
        support_url=branding.support_url,
        logo=logo,
        updated_at=branding.updated_at,
    )


@router.get(
    "",
    operation_id="getBranding",
    response_model=BrandingOut,
    responses=error_responses(*AUTHENTICATED),
)
async def get_branding(
    partner: PartnerDep, session: SessionDep, settings: SettingsDep
) -> BrandingOut:
    """How the partner's hosted flow and consent pages look. Every field is `null` until set."""
    branding = await service.get(session, partner.partner_id)
    return branding_out(branding, settings.public_url)


@router.patch(
    "",
    operation_id="updateBranding",
    response_model=BrandingOut,
    responses=error_responses(*AUTHENTICATED, 413),
)
async def update_branding(
    body: BrandingPatch,
    request: Request,
    partner: PartnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> BrandingOut:
    """Change the display name, primary colour, support contact or logo; `null` clears one.

    Applied at once to every page of the hosted flow and the consent flows: the name and logo in
    the header, the colour on buttons, links and the focus ring (through a stylesheet served from
    Gangway's origin), the support contact in the footer. The logo is sent in this body as
    base64 (`logo_png`). A colour below the WCAG AA contrast is refused with 400
    `validation_error` naming `primary_color` and the measured ratios; nothing is changed then.
    """
    changes = body.changes()
    if isinstance(changes.get("logo_png"), str):
        try:
            changes["logo_png"] = from_base64(str(changes["logo_png"]))
        except LogoRejected as error:
            raise ValidationFailed(
                f"logo_png: {error}", details=[FieldError("logo_png", str(error))]
            ) from None
    branding = await service.update(
        session,
        partner.partner_id,
        changes,
        settings=settings,
        now=clock.now(),
        actor=service.Actor(ActorType.partner, partner.partner_id, client_ip(request.scope)),
    )
    return branding_out(branding, settings.public_url)
