"""Keys derived from the server secret, and AES-GCM sealing for data encrypted at rest."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (``access-token``, ``documents``...) derived with HKDF-SHA256."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"gangway", info=purpose.encode()
    ).derive(secret.encode())


def key_id(key: bytes) -> str:
    """A short public name for a key (the JWT ``kid``), revealing nothing about it."""
    return hashlib.sha256(b"kid:" + key).hexdigest()[:16]


class Sealer:
    """AES-256-GCM with a random 96-bit nonce; ``aad`` binds a ciphertext to its row."""

    VERSION = b"\x01"

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return self.VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes = b"") -> bytes:
        if sealed[:1] != self.VERSION:
            raise ValueError("unknown ciphertext version")
        return self._aead.decrypt(sealed[1:13], sealed[13:], aad)

    def seal_text(self, text: str, aad: bytes = b"") -> str:
        return base64.b64encode(self.seal(text.encode(), aad)).decode()

    def open_text(self, sealed: str, aad: bytes = b"") -> str:
        return self.open(base64.b64decode(sealed), aad).decode()
