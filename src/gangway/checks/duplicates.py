"""Duplicate identity: the same document or email already submitted for another individual."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.checks.results import CheckResult, Outcome
from gangway.checks.rules import section
from gangway.models import IdentityFingerprint, Individual, IndividualStatus


@dataclass(frozen=True)
class DuplicateHit:
    individual_id: uuid.UUID
    partner_id: uuid.UUID
    status: str
    basis: str  # "document" or "email"


def fingerprints(data: dict[str, Any]) -> dict[str, str]:
    """``{kind: sha256}`` of the normalised identity attributes present in the submission."""
    found: dict[str, str] = {}
    document = section(data, "document")
    number = "".join(ch for ch in str(document.get("number") or "") if ch.isalnum()).upper()
    country = str(document.get("issuing_country") or "").upper()
    if number and country:
        found["document"] = _hash(f"document:{country}:{number}")
    email = str(data.get("email") or "").strip().lower()
    if email:
        found["email"] = _hash(f"email:{email}")
    return found


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_duplicates(hits: list[DuplicateHit]) -> CheckResult:
    if not hits:
        return CheckResult(
            "duplicate_identity", Outcome.passed, "No other individual has this document or email."
        )
    detail = {
        "matches": [
            {
                "individual_id": str(h.individual_id),
                "partner_id": str(h.partner_id),
                "status": h.status,
                "basis": h.basis,
            }
            for h in hits
        ]
    }
    blocked = [h for h in hits if h.status == IndividualStatus.blocked]
    if blocked:
        return CheckResult(
            "duplicate_identity",
            Outcome.fail,
            f"The same {blocked[0].basis} belongs to a blocked individual.",
            detail,
        )
    bases = " and ".join(sorted({h.basis for h in hits}))
    return CheckResult(
        "duplicate_identity",
        Outcome.warn,
        f"The same {bases} already belongs to {len(hits)} other individual(s).",
        detail,
    )


async def find_duplicates(
    session: AsyncSession, individual_id: uuid.UUID, prints: dict[str, str]
) -> list[DuplicateHit]:
    if not prints:
        return []
    hits: dict[tuple[uuid.UUID, str], DuplicateHit] = {}
    for kind, value_hash in prints.items():
        rows = await session.execute(
            select(IdentityFingerprint.individual_id, Individual.partner_id, Individual.status)
            .join(Individual, Individual.id == IdentityFingerprint.individual_id)
            .where(
                IdentityFingerprint.kind == kind,
                IdentityFingerprint.value_hash == value_hash,
                IdentityFingerprint.individual_id != individual_id,
            )
            .limit(20)
        )
        for other_id, partner_id, status in rows:
            hits.setdefault((other_id, kind), DuplicateHit(other_id, partner_id, status, kind))
    return list(hits.values())


async def remember(
    session: AsyncSession,
    individual_id: uuid.UUID,
    partner_id: uuid.UUID,
    prints: dict[str, str],
    now: datetime,
) -> None:
    for kind, value_hash in prints.items():
        session.add(
            IdentityFingerprint(
                kind=kind,
                value_hash=value_hash,
                individual_id=individual_id,
                partner_id=partner_id,
                created_at=now,
            )
        )
    await session.flush()
