"""Periodic clean-up for the hosted flow (run by the worker's periodic jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import FlowSession, OnboardingLink, PhoneVerification

# Expired links are kept a while so a late click still gets the clear "expired" page rather than
# the same page for an unknown token (both are 410; this only keeps the audit trail useful).
LINK_RETENTION = timedelta(days=30)
CODE_RETENTION = timedelta(days=1)


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Delete expired flow sessions, old one-time codes and long-expired links; returns the count."""
    removed = 0
    for statement in (
        delete(FlowSession).where(FlowSession.expires_at <= now),
        delete(PhoneVerification).where(PhoneVerification.expires_at <= now - CODE_RETENTION),
        delete(OnboardingLink).where(OnboardingLink.expires_at <= now - LINK_RETENTION),
    ):
        result = await session.execute(statement)
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
