"""The end user's credentials: an Argon2id passcode and optional WebAuthn passkeys.

The consent flows (pending actions) verify them later with :func:`verify_passcode`.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.kit.passwords import hash_secret, verify_secret
from gangway.models import IndividualCredential, WebauthnCredential


def passcode_problem(passcode: str) -> str | None:
    """Why a passcode is not acceptable (a translation key), or ``None``."""
    if len(passcode) != 6 or not passcode.isascii() or not passcode.isdigit():
        return "passcode_format"
    if len(set(passcode)) == 1:
        return "passcode_repeated"
    steps = {int(b) - int(a) for a, b in itertools.pairwise(passcode)}
    if steps in ({1}, {-1}):
        return "passcode_sequence"
    return None


async def set_passcode(
    session: AsyncSession, individual_id: uuid.UUID, passcode: str, now: datetime
) -> None:
    hashed = await hash_secret(passcode)
    credential = await session.get(IndividualCredential, individual_id)
    if credential is None:
        session.add(
            IndividualCredential(
                individual_id=individual_id, passcode_hash=hashed, created_at=now, updated_at=now
            )
        )
    else:
        credential.passcode_hash = hashed
        credential.updated_at = now
    await session.flush()


async def verify_passcode(session: AsyncSession, individual_id: uuid.UUID, passcode: str) -> bool:
    """Whether ``passcode`` is the individual's passcode (constant work whether or not one exists)."""
    credential = await session.get(IndividualCredential, individual_id)
    return await verify_secret(credential.passcode_hash if credential else None, passcode)


async def passkeys(session: AsyncSession, individual_id: uuid.UUID) -> list[WebauthnCredential]:
    return list(
        await session.scalars(
            select(WebauthnCredential).where(WebauthnCredential.individual_id == individual_id)
        )
    )
