"""The audit log: ``record`` appends an entry in the caller's transaction; reads for the pages.

There is deliberately no update or delete function: entries are append-only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.models import ActorType, AuditEntry, StaffUser

PAGE_SIZE = 50


async def record(
    session: AsyncSession,
    *,
    action: str,
    now: datetime,
    actor_type: ActorType | str = ActorType.system,
    actor_id: str | uuid.UUID | None = None,
    subject_id: str | uuid.UUID | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (never commits). ``action`` is ``<noun>.<verb>``, e.g.
    ``individual.approved``, ``pending_action.created``, ``staff.login_failed``."""
    entry = AuditEntry(
        created_at=now,
        actor_type=str(actor_type),
        actor_id=str(actor_id) if actor_id is not None else None,
        action=action,
        subject_id=str(subject_id) if subject_id is not None else None,
        client_ip=client_ip,
        detail=detail or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def for_subject(session: AsyncSession, subject_id: str | uuid.UUID) -> list[AuditEntry]:
    """Every entry about one object, oldest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_id == str(subject_id))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return list(rows)


async def search(
    session: AsyncSession, *, text: str | None = None, action: str | None = None, page: int = 1
) -> tuple[list[AuditEntry], bool]:
    """Newest first; ``text`` matches the actor (a staff email finds that member's entries), the
    subject id or the client IP exactly, or a prefix of the action."""
    actors = [text] if text else []
    if text and "@" in text:
        staff_id = await session.scalar(
            select(StaffUser.id).where(StaffUser.email == text.strip().lower())
        )
        if staff_id is not None:
            actors.append(str(staff_id))
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if text:
        query = query.where(
            or_(
                AuditEntry.actor_id.in_(actors),
                AuditEntry.subject_id == text,
                AuditEntry.client_ip == text,
                AuditEntry.action.startswith(text, autoescape=True),
            )
        )
    query = (
        query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(await session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
