"""Key rotation: a new key-encryption key, every data key re-wrapped under it, the old one retired.

Rotation is safe while the service runs and resumable at any point:

1. :func:`start_rotation` adds a KEK and marks the older ones retired (they wrap nothing new once
   every process's cache of the newest KEK has expired, ``ACTIVE_KEK_TTL_SECONDS``).
2. :func:`rewrap_batch`, repeated, moves data keys still under a retired KEK to the newest one, a
   batch per transaction (``SKIP LOCKED`` on PostgreSQL: several runners may share the work). An
   interrupted run resumes with ``gangway keys rotate --resume``: it simply continues with what is
   left.
3. :func:`retire` deletes a KEK that wraps nothing any more (a foreign key refuses otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.errors import AppError, NotFound
from gangway.kit.keyring import Keyring
from gangway.models import DataKey, KeyEncryptionKey, WebhookEndpoint
from gangway.webhooks.signing import SecretBox, kid_of

REWRAP_BATCH = 1000


class KeyInUse(AppError):
    status = 409
    code = "key_in_use"


@dataclass(frozen=True)
class KekStatus:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    data_keys: int
    active: bool
    # Webhook signing secrets (current or previous) sealed under this KEK.
    webhook_secrets: int = 0


async def _webhook_secret_kids(session: AsyncSession) -> list[str | None]:
    rows = await session.execute(
        select(WebhookEndpoint.secret_sealed, WebhookEndpoint.previous_secret_sealed)
    )
    return [kid_of(text) for pair in rows.tuples() for text in pair if text]


async def status(session: AsyncSession) -> list[KekStatus]:
    """Every KEK with how many data keys it wraps; the newest unretired one is active."""
    grouped = await session.execute(select(DataKey.kid, func.count()).group_by(DataKey.kid))
    counts: dict[str, int] = {kid: number for kid, number in grouped.tuples()}
    rows = list(
        await session.scalars(
            select(KeyEncryptionKey).order_by(
                KeyEncryptionKey.created_at.desc(), KeyEncryptionKey.kid
            )
        )
    )
    active = next((row.kid for row in rows if row.retired_at is None), None)
    secrets = await _webhook_secret_kids(session)
    return [
        KekStatus(
            row.kid,
            row.created_at,
            row.retired_at,
            counts.get(row.kid, 0),
            row.kid == active,
            secrets.count(row.kid),
        )
        for row in rows
    ]


async def reseal_webhook_secrets(session: AsyncSession, box: SecretBox, target_kid: str) -> int:
    """Seal every webhook secret not under ``target_kid`` again (few rows: one transaction)."""
    await box.load_keys(session)
    endpoints = await session.scalars(select(WebhookEndpoint).with_for_update())
    moved = 0
    for endpoint in endpoints:
        if kid_of(endpoint.secret_sealed) != target_kid:
            secret = box.open(endpoint.id, endpoint.secret_sealed)
            endpoint.secret_sealed = box.seal_under(target_kid, endpoint.id, secret)
            moved += 1
        previous = endpoint.previous_secret_sealed
        if previous and kid_of(previous) != target_kid:
            endpoint.previous_secret_sealed = box.seal_under(
                target_kid, endpoint.id, box.open(endpoint.id, previous)
            )
    await session.flush()
    return moved


async def start_rotation(session: AsyncSession, keyring: Keyring, now: datetime) -> str:
    """Add a KEK and retire the others; returns the new kid."""
    new = keyring.new_kek()
    await session.execute(
        update(KeyEncryptionKey).where(KeyEncryptionKey.retired_at.is_(None)).values(retired_at=now)
    )
    session.add(
        KeyEncryptionKey(
            kid=new.kid, wrapped=new.wrapped, root_kid=keyring.root.kid, created_at=now
        )
    )
    await session.flush()
    return new.kid


async def active_kek(session: AsyncSession) -> KeyEncryptionKey | None:
    found: KeyEncryptionKey | None = await session.scalar(
        select(KeyEncryptionKey)
        .where(KeyEncryptionKey.retired_at.is_(None))
        .order_by(KeyEncryptionKey.created_at.desc(), KeyEncryptionKey.kid)
        .limit(1)
    )
    return found


async def remaining(session: AsyncSession, target_kid: str) -> int:
    """Data keys not yet under ``target_kid``."""
    count = await session.scalar(
        select(func.count()).select_from(DataKey).where(DataKey.kid != target_kid)
    )
    return int(count or 0)


async def rewrap_batch(
    session: AsyncSession, keyring: Keyring, target: KeyEncryptionKey, *, batch: int = REWRAP_BATCH
) -> int:
    """Re-wrap up to ``batch`` data keys under ``target``; 0 when none is left."""
    query = (
        select(DataKey.individual_id, DataKey.wrapped, KeyEncryptionKey.wrapped)
        .join(KeyEncryptionKey, KeyEncryptionKey.kid == DataKey.kid)
        .where(DataKey.kid != target.kid)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=DataKey, skip_locked=True)
    rows = (await session.execute(query)).all()
    if not rows:
        return 0
    new_kek = keyring.kek(target.wrapped)
    changes = []
    for individual_id, wrapped, old_kek_wrapped in rows:
        data_key = keyring.unwrap_data_key(keyring.kek(old_kek_wrapped), wrapped, individual_id)
        changes.append(
            {
                "owner": individual_id,
                "new_wrapped": keyring.wrap_data_key(new_kek, data_key, individual_id),
            }
        )
    table = DataKey.__table__
    assert isinstance(table, Table)
    await session.execute(
        update(table)
        .where(table.c.individual_id == bindparam("owner"))
        .values(kid=target.kid, wrapped=bindparam("new_wrapped")),
        changes,
    )
    return len(rows)


async def retire(session: AsyncSession, kid: str) -> None:
    """Delete a KEK that wraps no data key any more (a crypto-shred of its old backups, too)."""
    row = await session.get(KeyEncryptionKey, kid)
    if row is None:
        raise NotFound("No key-encryption key with this kid.")
    active = await active_kek(session)
    if active is not None and active.kid == kid:
        raise KeyInUse(f"{kid} is the active key; rotate to a new one first.")
    left = await session.scalar(select(func.count()).select_from(DataKey).where(DataKey.kid == kid))
    if left:
        raise KeyInUse(f"{kid} still wraps {left} data keys; finish the rotation first.")
    if kid in await _webhook_secret_kids(session):
        raise KeyInUse(f"{kid} still seals webhook secrets; finish the rotation first.")
    await session.delete(row)
    await session.flush()
