"""Consents: reading them and minting hosted-flow links for them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.config import Settings
from gangway.errors import NotFound
from gangway.kit.ids import parse_uuid
from gangway.models import Consent, ConsentProgress, FlowSession, Individual
from gangway.onboarding import links
from gangway.pending_actions.service import require_open


async def get_for_partner(
    session: AsyncSession, partner_id: uuid.UUID, consent_id: str | uuid.UUID
) -> Consent:
    parsed = consent_id if isinstance(consent_id, uuid.UUID) else parse_uuid(consent_id)
    consent = None
    if parsed is not None:
        consent = await session.scalar(
            select(Consent).where(Consent.id == parsed, Consent.partner_id == partner_id)
        )
    if consent is None:
        raise NotFound("No consent with this id.")
    return consent


async def open_link(
    session: AsyncSession,
    consent: Consent,
    *,
    return_url: str | None,
    settings: Settings,
    now: datetime,
) -> links.IssuedLink:
    """A fresh link and token for the consent's hosted flow (each call mints a new one).

    The link lives ``GANGWAY_ONBOARDING_LINK_TTL`` seconds, but never past the consent's expiry.
    """
    require_open(consent, now)
    if return_url is not None:
        return_url = links.validate_return_url(return_url, settings)
    individual = await session.get(Individual, consent.individual_id)
    if individual is None:  # pragma: no cover - the foreign key makes this impossible
        raise NotFound()
    issued = await links.issue(
        session, individual, return_url=return_url, settings=settings, now=now, flow=consent.type
    )
    issued.link.consent_id = consent.id
    if consent.expires_at is not None:
        issued.link.expires_at = min(issued.link.expires_at, consent.expires_at)
    await session.flush()
    return issued


async def start_progress(
    session: AsyncSession, flow_session: FlowSession, consent_id: uuid.UUID, now: datetime
) -> ConsentProgress:
    """The empty progress of a consent flow session (created with the session)."""
    progress = ConsentProgress(
        flow_session_id=flow_session.id,
        consent_id=consent_id,
        individual_id=flow_session.individual_id,
        data={},
        completed_steps=[],
        finished=False,
        created_at=now,
        updated_at=now,
    )
    session.add(progress)
    await session.flush()
    return progress


async def progress_of(
    session: AsyncSession, flow_session_id: uuid.UUID, *, for_update: bool = False
) -> ConsentProgress | None:
    """The flow session's progress; ``for_update`` serialises two tabs saving at once."""
    query = select(ConsentProgress).where(ConsentProgress.flow_session_id == flow_session_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)
