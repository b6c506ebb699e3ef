"""Identifiers and random secrets."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def parse_uuid(text: str) -> uuid.UUID | None:
    """A UUID from user input, or ``None`` when it is not one (callers answer 404)."""
    try:
        return uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return None


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random token (``nbytes`` of entropy, at least 128 bits by default 256)."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(text: str) -> str:
    """Hash of a high-entropy token, for lookup. Tokens are random, so no salt or KDF is needed."""
    return hashlib.sha256(text.encode()).hexdigest()
