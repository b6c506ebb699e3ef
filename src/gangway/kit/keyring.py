"""Envelope encryption: the key hierarchy behind every personal field.

- A **root key** (the :class:`RootKey` port) wraps the key-encryption keys. The local one is
  derived from the server secret, or read from a key file; a KMS adapter implements the same two
  methods.
- **Key-encryption keys** (KEKs) are random 256-bit keys, each with a public ``kid``, stored
  wrapped by the root key (table ``key_encryption_keys``). ``gangway keys rotate`` adds one.
- **Data keys**: one random AES-256 key per individual, stored wrapped by a KEK (table
  ``data_keys``). Every personal field of that individual is sealed under it with the record id as
  associated data, so erasing the person is deleting one row (crypto-shredding), backups included.
- **Blind indexes**: keyed HMAC-SHA256 of normalised values (email, phone, document number,
  name + date of birth), so equality look-ups work without plaintext.

This module is pure cryptography (no database); :mod:`gangway.models.sealed` applies it to rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gangway.kit.crypto import Sealer, derive_key, key_id

DATA_KEY_BYTES = 32
# Unwrapped data keys kept in memory per process (an unwrap is cheap; this saves it on hot reads).
DATA_KEY_CACHE_SIZE = 4096
KEK_AAD = b"gangway key-encryption key"


class RootKey(Protocol):
    """The top of the hierarchy: wraps and unwraps key-encryption keys (a KMS's two calls)."""

    @property
    def kid(self) -> str: ...

    def wrap(self, key: bytes, aad: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes: ...


class LocalRootKey:
    """A root key held by this process: derived from the server secret, or read from a file."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a root key is 32 bytes")
        self._sealer = Sealer(key)
        self._kid = "root-" + key_id(key)

    @classmethod
    def from_secret(cls, secret: str) -> LocalRootKey:
        return cls(derive_key(secret, "key-encryption-root"))

    @classmethod
    def from_file(cls, path: Path) -> LocalRootKey:
        """A file holding the key as base64 (44 characters), e.g. from ``openssl rand -base64 32``."""
        return cls(base64.b64decode(path.read_text().strip(), validate=True))

    @property
    def kid(self) -> str:
        return self._kid

    def wrap(self, key: bytes, aad: bytes) -> bytes:
        return self._sealer.seal(key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        return self._sealer.open(wrapped, aad)


@dataclass(frozen=True)
class NewKek:
    kid: str
    wrapped: bytes
    key: bytes


class Keyring:
    """Wraps data keys under KEKs, opens them again (cached), and computes blind indexes."""

    def __init__(self, root: RootKey, blind_index_key: bytes) -> None:
        self.root = root
        self._blind_key = blind_index_key
        self._keks: dict[bytes, bytes] = {}
        # Unwrapped data keys, as ready sealers, by their wrapped form.
        self._data_keys: OrderedDict[bytes, Sealer] = OrderedDict()
        # (monotonic time read, kid, wrapped) of the newest KEK, kept by models.sealed.
        self.active_kek: tuple[float, str, bytes] | None = None

    @classmethod
    def from_secret(cls, secret: str, root_key_file: Path | None = None) -> Keyring:
        root = LocalRootKey.from_file(root_key_file) if root_key_file else None
        return cls(root or LocalRootKey.from_secret(secret), derive_key(secret, "blind-index"))

    # Key-encryption keys
    def new_kek(self) -> NewKek:
        key = os.urandom(32)
        kid = "kek-" + key_id(key)
        return NewKek(kid, self.root.wrap(key, KEK_AAD), key)

    def kek(self, wrapped: bytes) -> bytes:
        """A KEK from its stored (root-wrapped) form; cached by that form."""
        key = self._keks.get(wrapped)
        if key is None:
            key = self.root.unwrap(wrapped, KEK_AAD)
            self._keks[wrapped] = key
        return key

    # Data keys
    @staticmethod
    def new_data_key() -> bytes:
        return os.urandom(DATA_KEY_BYTES)

    def wrap_data_key(self, kek: bytes, data_key: bytes, individual_id: uuid.UUID) -> bytes:
        return Sealer(kek).seal(data_key, _data_key_aad(individual_id))

    def unwrap_data_key(self, kek: bytes, wrapped: bytes, individual_id: uuid.UUID) -> bytes:
        return Sealer(kek).open(wrapped, _data_key_aad(individual_id))

    def data_sealer(self, wrapped_kek: bytes, wrapped: bytes, individual_id: uuid.UUID) -> Sealer:
        """The sealer of one individual's data key (cached: reads of hot rows unwrap nothing)."""
        sealer = self._data_keys.get(wrapped)
        if sealer is not None:
            self._data_keys.move_to_end(wrapped)
            return sealer
        sealer = Sealer(self.unwrap_data_key(self.kek(wrapped_kek), wrapped, individual_id))
        self._data_keys[wrapped] = sealer
        if len(self._data_keys) > DATA_KEY_CACHE_SIZE:
            self._data_keys.popitem(last=False)
        return sealer

    def forget(self, wrapped: bytes) -> None:
        """Drop a destroyed data key from the cache (erasure)."""
        self._data_keys.pop(wrapped, None)

    # Blind indexes
    def blind_index(self, purpose: str, normalised: str | None) -> str | None:
        """``None`` for an empty value (nothing to find)."""
        if not normalised:
            return None
        message = purpose.encode() + b"\x00" + normalised.encode()
        return hmac.new(self._blind_key, message, hashlib.sha256).hexdigest()


def _data_key_aad(individual_id: uuid.UUID) -> bytes:
    return b"data-key:" + individual_id.bytes
