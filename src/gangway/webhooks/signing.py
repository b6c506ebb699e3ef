"""Endpoint secrets (``whsec_<base64 key>``, sealed at rest) and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.kit.crypto import Sealer, derive_key
from gangway.kit.keyring import Keyring
from gangway.models import KeyEncryptionKey
from gangway.models.sealed import active_kek

SECRET_PREFIX = "whsec_"
KEY_BYTES = 32


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(KEY_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>``."""
    to_sign = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(
    secrets: list[str], message_id: str, moment: datetime, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret, space-separated."""
    timestamp = int(moment.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, message_id, timestamp, body) for s in secrets),
    }


class SecretBox:
    """Seals endpoint secrets under the active key-encryption key, bound to the endpoint id.

    The sealed text starts with the KEK's ``kid`` (``kek-…$<base64>``), so ``gangway keys
    rotate`` can re-seal the secrets under a new KEK and ``retire`` can tell when an old one is
    unused. Secrets sealed before KEKs existed (no prefix) open with the key derived from the
    server secret until a rotation re-seals them.
    """

    def __init__(self, server_secret: str, keyring: Keyring) -> None:
        self._legacy = Sealer(derive_key(server_secret, "webhook-secrets"))
        self._keyring = keyring
        self._keks: dict[str, Sealer] = {}

    async def seal(self, session: AsyncSession, endpoint_id: uuid.UUID, secret: str) -> str:
        keyring = self._keyring
        kid, wrapped = await session.run_sync(lambda sync: active_kek(sync, keyring))
        self._keks.setdefault(kid, Sealer(keyring.kek(wrapped)))
        return self.seal_under(kid, endpoint_id, secret)

    def seal_under(self, kid: str, endpoint_id: uuid.UUID, secret: str) -> str:
        """Under a loaded KEK (a rotation names the new one: processes may still cache the old)."""
        return f"{kid}{KID_SEPARATOR}{self._keks[kid].seal_text(secret, endpoint_id.bytes)}"

    def can_open(self, *sealed: str | None) -> bool:
        """Whether every KEK these need is loaded (else :meth:`load_keys` first)."""
        return all(kid_of(text) in self._keks for text in sealed if text and kid_of(text))

    async def load_keys(self, session: AsyncSession) -> None:
        """Every KEK, unwrapped (a handful of rows; done again only when a new kid shows up)."""
        rows = await session.execute(select(KeyEncryptionKey.kid, KeyEncryptionKey.wrapped))
        for kid, wrapped in rows.tuples():
            self._keks[kid] = Sealer(self._keyring.kek(wrapped))

    def open(self, endpoint_id: uuid.UUID, sealed: str) -> str:
        kid = kid_of(sealed)
        if kid is None:
            return self._legacy.open_text(sealed, endpoint_id.bytes)
        return self._keks[kid].open_text(sealed.split(KID_SEPARATOR, 1)[1], endpoint_id.bytes)


KID_SEPARATOR = "$"


def kid_of(sealed: str) -> str | None:
    """The KEK a sealed secret is under; ``None`` for one sealed with the legacy derived key."""
    kid, separator, _ = sealed.partition(KID_SEPARATOR)
    return kid if separator else None
