"""Personal fields sealed under the individual's data key, transparently for the code using them.

A model holding personal data inherits :class:`Sealed` and declares each personal attribute with
:class:`sealed_field`. Those attributes are not columns: all of a row's personal values live in one
AES-256-GCM ciphertext, the ``sealed_data`` column, under the data key of the individual the row
belongs to, with ``<table>:<row id>`` as associated data (a ciphertext copied to another row does
not open). They are decrypted on first access and sealed again inside the flush that writes the
row; the blind-index columns a model declares are computed at the same moment.

The row's wrapped data key and its KEK come with the row itself (two correlated sub-selects added
by :func:`load_data_key_with`), so reading never needs a second query. When the key has been
destroyed (erasure), every personal attribute reads ``None``.

Code reading or writing personal data therefore looks as before (``individual.email``,
``draft.data = {...}``); what it cannot do is filter SQL by a personal attribute: it filters by
the blind index instead (``Individual.email_index == keyring.blind_index(...)``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    InstrumentedAttribute,
    Mapped,
    Session,
    column_property,
    mapped_column,
    object_session,
)
from sqlalchemy.orm.attributes import flag_modified

from gangway.db.types import Blob
from gangway.kit.crypto import Sealer
from gangway.kit.ids import new_id
from gangway.kit.keyring import Keyring
from gangway.models.keys import DataKey, KeyEncryptionKey

KEYRING = "keyring"  # the Session.info key holding the process's Keyring
# An individual's data-key sealer, cached for the session's lifetime (per session).
_SESSION_SEALERS = "gangway_data_sealers"
_PLAIN = "_gangway_plain"
_DIRTY = "_gangway_plain_dirty"
_KEYRING = "_gangway_keyring"
# How long a process trusts the newest KEK it read before looking again (a rotation waits longer).
ACTIVE_KEK_TTL_SECONDS = 10.0

T = TypeVar("T")


class PersonalDataErased(RuntimeError):
    """A write to an individual whose data key is gone (erased): there is nothing to seal under."""


class Codec(Generic[T]):
    """How a value becomes JSON inside the sealed document, and back."""

    def __init__(self, encode: Callable[[T], Any], decode: Callable[[Any], T]) -> None:
        self.encode = encode
        self.decode = decode


def _same(value: Any) -> Any:
    return value


AS_IS: Codec[Any] = Codec(_same, _same)
DATE: Codec[date] = Codec(date.isoformat, date.fromisoformat)


class sealed_field(Generic[T]):
    """A personal attribute stored inside the row's ``sealed_data``."""

    def __init__(self, codec: Codec[Any] = AS_IS) -> None:
        self.codec = codec
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> sealed_field[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> Any:
        if obj is None:
            return self
        value = plain_values(obj).get(self.name)
        return None if value is None else self.codec.decode(value)

    def __set__(self, obj: object, value: T) -> None:
        values = dict(plain_values(obj))
        values[self.name] = None if value is None else self.codec.encode(value)
        obj.__dict__[_PLAIN] = values
        obj.__dict__[_DIRTY] = True
        if object_session(obj) is not None and "sealed_data" in obj.__dict__:
            flag_modified(obj, "sealed_data")


class KeyedRow:
    """Mixin of every model whose row belongs to one individual's data key. The wrapped key and
    KEK come along with the row (:func:`load_data_key_with`); :func:`row_sealer` opens them.
    ``individual_column`` names the attribute holding the individual's id."""

    individual_column: ClassVar[str] = "individual_id"
    creates_data_key: ClassVar[bool] = False

    if TYPE_CHECKING:
        id: Any
        # Loaded with the row by ``load_data_key_with``.
        wrapped_data_key: bytes | None
        wrapped_kek: bytes | None

    def owner_id(self) -> uuid.UUID:
        owner: uuid.UUID = getattr(self, self.individual_column)
        return owner

    def associated_data(self) -> bytes:
        table: str = getattr(self, "__tablename__")  # noqa: B009 - declared by each model
        return f"{table}:{self.id}".encode()


class Sealed(KeyedRow):
    """Mixin of every model with personal attributes (:class:`sealed_field`); the individual
    (:class:`~gangway.models.individual.Individual`) creates the data key."""

    sealed_data: Mapped[bytes | None] = mapped_column(Blob, nullable=True)

    def blind_indexes(self, keyring: Keyring) -> dict[str, str | None]:
        """``{column: value}`` to store next to the ciphertext (default: none)."""
        return {}


def load_data_key_with(model: type[KeyedRow], individual: InstrumentedAttribute[Any]) -> None:
    """Add the two read-only columns that bring the row's wrapped data key and KEK along."""
    wrapped_key = (
        select(DataKey.wrapped)
        .where(DataKey.individual_id == individual)
        .correlate_except(DataKey)
        .scalar_subquery()
    )
    wrapped_kek = (
        select(KeyEncryptionKey.wrapped)
        .join(DataKey, DataKey.kid == KeyEncryptionKey.kid)
        .where(DataKey.individual_id == individual)
        .correlate_except(DataKey, KeyEncryptionKey)
        .scalar_subquery()
    )
    # Not expired by a flush of the row: an UPDATE of the row never changes its key.
    model.wrapped_data_key = column_property(wrapped_key, expire_on_flush=False)  # type: ignore[assignment]
    model.wrapped_kek = column_property(wrapped_kek, expire_on_flush=False)  # type: ignore[assignment]


def plain_values(obj: object) -> dict[str, Any]:
    """The row's personal values (decrypted once, then cached on the instance)."""
    state = obj.__dict__
    cached: dict[str, Any] | None = state.get(_PLAIN)
    if cached is not None:
        return cached
    assert isinstance(obj, Sealed)
    sealed = obj.sealed_data
    values: dict[str, Any] = {}
    if sealed is not None and obj.wrapped_data_key is not None:
        values = json.loads(row_sealer(obj).open(sealed, obj.associated_data()))
    state[_PLAIN] = values
    return values


def seal_values(sealer: Sealer, values: dict[str, Any], associated_data: bytes) -> bytes:
    """The ``sealed_data`` of a row (also for bulk loads that bypass the ORM: bench/load.py)."""
    plaintext = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return sealer.seal(plaintext.encode(), associated_data)


def row_sealer(obj: KeyedRow) -> Sealer:
    """The sealer of the data key ``obj`` belongs to: from the key loaded with the row, or the
    one its session made or read for the same individual (a row not written yet)."""
    session = object_session(obj)
    if session is not None:
        cached: Sealer | None = session.info.get(_SESSION_SEALERS, {}).get(obj.owner_id())
        if cached is not None:
            return cached
    if obj.wrapped_data_key is None or obj.wrapped_kek is None:
        raise PersonalDataErased(f"individual {obj.owner_id()} has no data key (erased)")
    keyring: Keyring | None = obj.__dict__.get(_KEYRING) or _session_keyring(session)
    if keyring is None:
        raise RuntimeError("a sealed row was read outside a session that holds the keyring")
    return keyring.data_sealer(obj.wrapped_kek, obj.wrapped_data_key, obj.owner_id())


def keyring_of(session: Session | AsyncSession) -> Keyring:
    """The keyring the session factory carries (blind indexes for look-ups)."""
    keyring: Keyring | None = session.info.get(KEYRING)
    if keyring is None:
        raise RuntimeError("this session was not made by build_services (no keyring)")
    return keyring


def _session_keyring(session: Session | None) -> Keyring | None:
    if session is None:
        return None
    keyring: Keyring | None = session.info.get(KEYRING)
    return keyring


@event.listens_for(KeyedRow, "load", propagate=True)
def _remember_keyring(target: KeyedRow, context: Any) -> None:
    target.__dict__[_KEYRING] = _session_keyring(context.session)


@event.listens_for(KeyedRow, "refresh", propagate=True)
def _forget_plain_on_refresh(target: KeyedRow, context: Any, attrs: Any) -> None:
    if attrs is None or "sealed_data" in attrs:
        target.__dict__.pop(_PLAIN, None)
        target.__dict__.pop(_DIRTY, None)
    target.__dict__[_KEYRING] = _session_keyring(context.session)


@event.listens_for(Sealed, "expire", propagate=True)
def _forget_plain_on_expire(target: Sealed, attrs: Any) -> None:
    if attrs is None or "sealed_data" in attrs:
        target.__dict__.pop(_PLAIN, None)
        target.__dict__.pop(_DIRTY, None)


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    pending = [
        obj
        for obj in chain(session.new, session.dirty)
        if isinstance(obj, Sealed) and obj.__dict__.get(_DIRTY)
    ]
    if not pending:
        return
    keyring = _session_keyring(session)
    if keyring is None:
        raise RuntimeError("personal data written in a session without the keyring")
    # Individuals first: their new data keys are what the other rows seal under.
    pending.sort(key=lambda obj: not obj.creates_data_key)
    with session.no_autoflush:
        for obj in pending:
            if obj.id is None:
                obj.id = new_id()
            sealer = _sealer_for(session, keyring, obj)
            obj.sealed_data = seal_values(sealer, obj.__dict__[_PLAIN], obj.associated_data())
            for column, value in obj.blind_indexes(keyring).items():
                setattr(obj, column, value)
            obj.__dict__[_DIRTY] = False


def _sealer_for(session: Session, keyring: Keyring, obj: KeyedRow) -> Sealer:
    sealers: dict[uuid.UUID, Sealer] = session.info.setdefault(_SESSION_SEALERS, {})
    owner = obj.owner_id()
    sealer = sealers.get(owner)
    if sealer is not None:
        return sealer
    if obj.creates_data_key and obj in session.new:
        sealer = _create_data_key(session, keyring, owner)
    else:
        sealer = data_sealer(session, keyring, owner)
    sealers[owner] = sealer
    return sealer


def data_sealer(session: Session, keyring: Keyring, individual_id: uuid.UUID) -> Sealer:
    """The sealer of an existing individual's data key (sync: also usable inside a flush)."""
    cached: Sealer | None = session.info.get(_SESSION_SEALERS, {}).get(individual_id)
    if cached is not None:
        return cached
    row = session.execute(
        select(DataKey.wrapped, KeyEncryptionKey.wrapped)
        .join(KeyEncryptionKey, KeyEncryptionKey.kid == DataKey.kid)
        .where(DataKey.individual_id == individual_id)
    ).one_or_none()
    if row is None:
        raise PersonalDataErased(f"individual {individual_id} has no data key (erased)")
    sealer = keyring.data_sealer(row[1], row[0], individual_id)
    session.info.setdefault(_SESSION_SEALERS, {})[individual_id] = sealer
    return sealer


def erase_loaded(obj: Sealed) -> None:
    """Drop a loaded row's ciphertext and decrypted values (erasure); it reads ``None`` after."""
    obj.sealed_data = None
    obj.__dict__[_PLAIN] = {}
    obj.__dict__[_DIRTY] = False


def forget_data_sealer(session: Session | AsyncSession, individual_id: uuid.UUID) -> None:
    session.info.get(_SESSION_SEALERS, {}).pop(individual_id, None)


def _create_data_key(session: Session, keyring: Keyring, individual_id: uuid.UUID) -> Sealer:
    kid, wrapped_kek = active_kek(session, keyring)
    data_key = keyring.new_data_key()
    wrapped = keyring.wrap_data_key(keyring.kek(wrapped_kek), data_key, individual_id)
    session.add(
        DataKey(individual_id=individual_id, kid=kid, wrapped=wrapped, created_at=datetime.now(UTC))
    )
    return Sealer(data_key)


def active_kek(session: Session, keyring: Keyring) -> tuple[str, bytes]:
    """The newest unretired KEK (cached a few seconds per keyring); the first one is made here."""
    now = time.monotonic()
    cached = keyring.active_kek
    if cached is not None and now - cached[0] < ACTIVE_KEK_TTL_SECONDS:
        return cached[1], cached[2]
    row = session.execute(
        select(KeyEncryptionKey.kid, KeyEncryptionKey.wrapped)
        .where(KeyEncryptionKey.retired_at.is_(None))
        .order_by(KeyEncryptionKey.created_at.desc(), KeyEncryptionKey.kid)
        .limit(1)
    ).one_or_none()
    if row is None:
        # A fresh database. Two processes racing here each add one: both are valid KEKs.
        new = keyring.new_kek()
        session.add(
            KeyEncryptionKey(
                kid=new.kid,
                wrapped=new.wrapped,
                root_kid=keyring.root.kid,
                created_at=datetime.now(UTC),
            )
        )
        return new.kid, new.wrapped
    # Only a committed KEK is cached (one added above may still roll back).
    keyring.active_kek = (now, row[0], row[1])
    return row[0], row[1]
