"""Endpoint secrets (``whsec_<base64 key>``, sealed at rest) and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from datetime import datetime

from gangway.kit.crypto import Sealer, derive_key

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
    """Seals endpoint secrets with a key derived from the server secret; bound to the endpoint id."""

    def __init__(self, server_secret: str) -> None:
        self._sealer = Sealer(derive_key(server_secret, "webhook-secrets"))

    def seal(self, endpoint_id: uuid.UUID, secret: str) -> str:
        return self._sealer.seal_text(secret, endpoint_id.bytes)

    def open(self, endpoint_id: uuid.UUID, sealed: str) -> str:
        return self._sealer.open_text(sealed, endpoint_id.bytes)
