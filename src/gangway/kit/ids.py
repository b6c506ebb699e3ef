"""Identifiers and random secrets."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid

# The one spelling the OpenAPI document promises (`format: uuid`): 8-4-4-4-12 hex digits.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def parse_uuid(text: str) -> uuid.UUID | None:
    """A UUID from user input, or ``None`` when it is not one (callers answer 404)."""
    if not isinstance(text, str) or _UUID.fullmatch(text) is None:
        return None
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
