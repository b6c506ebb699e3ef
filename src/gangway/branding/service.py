"""A partner's branding: read, change (validated, audited), and what the hosted flow shows.

Colours are refused, never adjusted: a primary colour must reach WCAG AA contrast (4.5:1) both
against the flow's page background and against the white text of its buttons. The flow's
stylesheet for a partner is generated here and served from our origin (``flow/branding.py``),
so the pages keep a CSP without inline styles.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from gangway.audit import service as audit
from gangway.branding import contrast
from gangway.branding.logo import Logo, LogoRejected, reencode
from gangway.config import Settings
from gangway.errors import FieldError, NotFound, ValidationFailed
from gangway.models import ActorType, Partner, PartnerBranding
from gangway.onboarding.links import validate_return_url

# What the primary colour is drawn on or under in flow.css: the page background (--bg) and the
# white of the cards, the header and the text of primary buttons.
PAGE_BACKGROUND = "#f3f5f8"
BUTTON_TEXT = "#ffffff"
TEXT_FIELDS = ("display_name", "primary_color", "support_email", "support_phone", "support_url")
FIELDS = (*TEXT_FIELDS, "logo_png")


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: str | uuid.UUID | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class FlowBranding:
    """What a flow page shows of the partner's branding (``base.html``)."""

    display_name: str | None
    stylesheet_url: str
    logo_url: str | None
    logo_width: int | None
    logo_height: int | None
    support_email: str | None
    support_phone: str | None
    support_phone_shown: str | None
    support_url: str | None

    @property
    def has_support(self) -> bool:
        return bool(self.support_email or self.support_phone or self.support_url)


def color_problem(color: str) -> str | None:
    """Why ``color`` cannot be the primary colour (with the measured ratios), or ``None``."""
    against_page = contrast.contrast_ratio(color, PAGE_BACKGROUND)
    against_text = contrast.contrast_ratio(color, BUTTON_TEXT)
    if min(against_page, against_text) >= contrast.AA_NORMAL_TEXT:
        return None
    return (
        f"{color} does not reach the WCAG AA contrast of 4.5:1: it measures "
        f"{contrast.shown(against_page)} against the page background {PAGE_BACKGROUND} and "
        f"{contrast.shown(against_text)} against the button text {BUTTON_TEXT}. "
        "Choose a darker colour."
    )


def _validated(changes: Mapping[str, object], settings: Settings) -> dict[str, object]:
    values: dict[str, object] = {}
    errors: list[FieldError] = []
    for name, value in changes.items():
        if name not in FIELDS:
            raise ValueError(f"not a branding field: {name}")
        if value is None:
            values[name] = None
        elif name == "primary_color":
            color = str(value).lower()
            if not contrast.HEX_COLOR.match(color):
                errors.append(FieldError(name, "Give the colour as #rrggbb, e.g. #0b6e4f."))
            elif problem := color_problem(color):
                errors.append(FieldError(name, problem))
            values[name] = color
        elif name == "support_url":
            try:
                values[name] = validate_return_url(str(value), settings, field=name)
            except ValidationFailed as error:
                errors.extend(error.details)
        elif name == "logo_png":
            assert isinstance(value, bytes)
            try:
                values[name] = reencode(value)
            except LogoRejected as error:
                errors.append(FieldError(name, str(error)))
        else:
            values[name] = value
    if errors:
        message = f"{errors[0].field}: {errors[0].message}" if len(errors) == 1 else None
        raise ValidationFailed(message, details=errors)
    return values


async def get(session: AsyncSession, partner_id: uuid.UUID) -> PartnerBranding | None:
    return await session.get(PartnerBranding, partner_id)


async def update(
    session: AsyncSession,
    partner_id: uuid.UUID,
    changes: Mapping[str, object],
    *,
    settings: Settings,
    now: datetime,
    actor: Actor,
) -> PartnerBranding:
    """Apply ``changes`` (field -> value; ``None`` clears it; ``logo_png`` is the uploaded bytes)
    after validating all of them, and audit which fields changed. Nothing changes if one is
    refused (400 ``validation_error`` naming the fields)."""
    values = _validated(changes, settings)
    # The partner's row lock serialises two first-time PATCHes (both would insert).
    locked = await session.scalar(
        select(Partner.id).where(Partner.id == partner_id).with_for_update()
    )
    if locked is None:
        raise NotFound("No partner with this id.")
    branding = await session.get(PartnerBranding, partner_id)
    if branding is None:
        branding = PartnerBranding(partner_id=partner_id, created_at=now, updated_at=now)
        session.add(branding)
    for name, value in values.items():
        if name == "logo_png":
            _set_logo(branding, value if isinstance(value, Logo) else None)
        else:
            setattr(branding, name, value)
    branding.updated_at = now
    await session.flush()
    await audit.record(
        session,
        action="branding.updated",
        now=now,
        actor_type=actor.type,
        actor_id=actor.id,
        subject_id=partner_id,
        client_ip=actor.client_ip,
        detail={"partner_id": str(partner_id), "fields": sorted(values)},
    )
    return branding


def _set_logo(branding: PartnerBranding, logo: Logo | None) -> None:
    branding.logo_png = logo.png if logo else None
    branding.logo_sha256 = hashlib.sha256(logo.png).hexdigest() if logo else None
    branding.logo_width = logo.width if logo else None
    branding.logo_height = logo.height if logo else None


async def logo_of(session: AsyncSession, partner_id: uuid.UUID) -> tuple[bytes, str] | None:
    """The stored logo and its SHA-256, or ``None``."""
    row = await session.scalar(
        select(PartnerBranding)
        .where(PartnerBranding.partner_id == partner_id)
        .options(undefer(PartnerBranding.logo_png))
    )
    if row is None or row.logo_png is None or row.logo_sha256 is None:
        return None
    return row.logo_png, row.logo_sha256


def stylesheet(branding: PartnerBranding) -> str:
    """The partner's stylesheet, loaded after flow.css: it only overrides."""
    rules = [
        "/* Partner branding, generated by Gangway. */",
        ".partner { display: flex; align-items: center; gap: 10px; }",
        ".brand-logo { display: block; max-height: 40px; max-width: 160px; width: auto;"
        " height: auto; }",
        ".support { max-width: 560px; margin: 16px auto; padding: 0 16px; color: var(--muted);"
        " font-size: .9rem; text-align: center; }",
    ]
    if branding.primary_color:
        color = branding.primary_color
        rules += [
            f":root {{ --brand: {color}; --brand-dark: {contrast.darker(color)}; }}",
            f":root :focus-visible {{ outline-color: {color}; }}",
        ]
    return "\n".join(rules) + "\n"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def stylesheet_path(partner_id: uuid.UUID) -> str:
    return f"/flow/branding/{partner_id}/style.css"


def logo_path(partner_id: uuid.UUID) -> str:
    return f"/flow/branding/{partner_id}/logo.png"


def flow_view(branding: PartnerBranding) -> FlowBranding:
    version = etag_of(stylesheet(branding).encode()).strip('"')[:16]
    logo_url = None
    if branding.logo_sha256:
        logo_url = f"{logo_path(branding.partner_id)}?v={branding.logo_sha256[:16]}"
    phone_shown = None
    if branding.support_phone:
        phone_shown = phonenumbers.format_number(
            phonenumbers.parse("+" + branding.support_phone, None),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        )
    return FlowBranding(
        display_name=branding.display_name,
        stylesheet_url=f"{stylesheet_path(branding.partner_id)}?v={version}",
        logo_url=logo_url,
        logo_width=branding.logo_width,
        logo_height=branding.logo_height,
        support_email=branding.support_email,
        support_phone=branding.support_phone,
        support_phone_shown=phone_shown,
        support_url=branding.support_url,
    )


async def for_flow(session: AsyncSession, partner_id: uuid.UUID) -> FlowBranding | None:
    branding = await get(session, partner_id)
    return flow_view(branding) if branding is not None else None
