"""Duplicate identity: the same document or email already submitted for another individual."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.checks.results import CheckResult, Outcome
from gangway.checks.rules import section
from gangway.kit import normalise
from gangway.kit.keyring import Keyring
from gangway.models import IdentityFingerprint, Individual, IndividualStatus


@dataclass(frozen=True)
class DuplicateHit:
    individual_id: uuid.UUID
    partner_id: uuid.UUID
    status: str
    basis: str  # "document" or "email"


def fingerprints(data: dict[str, Any], keyring: Keyring) -> dict[str, str]:
    """``{kind: blind index}`` of the normalised identity attributes present in the submission
    (keyed HMACs: a stolen table cannot be reversed by hashing guesses)."""
    document = section(data, "document")
    found = {
        "document": keyring.blind_index(
            "document",
            normalise.document_number(document.get("issuing_country"), document.get("number")),
        ),
        "email": keyring.blind_index("email", normalise.email(str(data.get("email") or ""))),
    }
    return {kind: value for kind, value in found.items() if value}


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
