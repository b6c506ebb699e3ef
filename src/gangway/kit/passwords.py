"""Argon2id hashing for human secrets (staff passwords, end users' passcodes).

Hashing costs ~0.2 s of CPU by design, so it runs in a worker thread: on the event loop it would
stall every other request of the process (a cheap denial of service through failed logins).
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters
# Verified against when there is no stored hash, so a miss costs the same time as a wrong secret.
_DUMMY_HASH = _hasher.hash("gangway-dummy-secret-for-constant-work")


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


async def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored_hash``; the same work when there is no hash."""
    try:
        matched = await asyncio.to_thread(_hasher.verify, stored_hash or _DUMMY_HASH, secret)
    except (VerificationError, InvalidHashError):
        return False
    return bool(matched) and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
