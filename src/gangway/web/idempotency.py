"""``Idempotency-Key`` on every partner POST: the first response is stored for 24 h and replayed.

How it works:

1. The middleware reads the exact body, hashes it with the method and path, and puts an
   :class:`IdempotencyClaim` in the request state.
2. The request's own transaction claims the key (:func:`claim_in_transaction`, called by
   ``PartnerDep`` through ``web.deps.claim_idempotency_key`` right after the access token's session,
   API key and rate limit were checked, before the endpoint's effects), so the claim commits or
   rolls back *with* the request's effects, and a replay is never answered to a caller that a
   fresh request would refuse (401/429). A key already held by a finished request, or by one
   still running, makes the claim fail; the request then answers from
   :func:`answer_for_existing_key`: the stored response (with ``Idempotent-Replayed: true``), or
   409 for another body or a request still running.
3. The response's status and body are stored with an upsert. When the endpoint succeeded, that
   happens in the request's own transaction (:class:`DeferredCommit`: ``SessionDep`` leaves the
   commit to the middleware, which stores the answer and commits as the last body chunk goes
   out, still before anything reaches the client) -- one write transaction per request, and no
   moment where the effects are committed but the answer is not. When the request's
   transaction rolled back (a 4xx from an error), the answer is stored in a transaction of its
   own. A 5xx forgets the key, so the partner may retry; 401, 403 and 429 are not stored at all
   (they answer the caller's credentials or pace, and a retry once those are fixed must run the
   request).

A claim older than ``STALE_CLAIM`` without a response (a crashed process) may be taken over, as may
a record past its 24 h.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gangway.db.session import transaction
from gangway.errors import AppError, IdempotencyConflict, ValidationFailed
from gangway.kit.clock import Clock
from gangway.kit.crypto import Sealer
from gangway.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=2)
MAX_KEY_LENGTH = 255
REPLAY_MARKER = b"x-gangway-idempotent-replay"
# Answers about the caller, not the request: a retry after fixing the credentials or waiting out
# the rate limit must run the request, and must not overwrite an earlier request's stored answer.
NOT_STORED_STATUSES = frozenset({401, 403, 429})
# The request state's key for the :class:`DeferredCommit` that ``SessionDep`` opens.
DEFERRED_COMMIT = "idempotency_unit_of_work"


@dataclass(frozen=True)
class IdempotencyClaim:
    partner_id: uuid.UUID
    key: str
    request_hash: str
    now: datetime


class KeyAlreadyUsed(AppError):
    """The key is held by an earlier request; answered by :func:`answer_for_existing_key`."""

    status = 409
    code = "idempotency_conflict"

    def __init__(self, claim: IdempotencyClaim) -> None:
        super().__init__("This Idempotency-Key was already used.")
        self.claim = claim


def _upsert(dialect: str) -> Any:
    # Dialect-specific on purpose: both backends support INSERT .. ON CONFLICT .. RETURNING.
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(IdempotencyRecord)


async def claim_in_transaction(session: AsyncSession, claim: IdempotencyClaim) -> None:
    """Claim the key in the caller's transaction, or raise :class:`KeyAlreadyUsed`."""
    table = IdempotencyRecord.__table__
    statement = (
        _upsert(session.get_bind().dialect.name)
        .values(
            partner_id=claim.partner_id,
            key=claim.key,
            request_hash=claim.request_hash,
            created_at=claim.now,
            expires_at=claim.now + RETENTION,
            response_status=None,
            response_body=None,
            response_content_type=None,
        )
        .on_conflict_do_update(
            index_elements=["partner_id", "key"],
            set_={
                "request_hash": claim.request_hash,
                "created_at": claim.now,
                "expires_at": claim.now + RETENTION,
                "response_status": None,
                "response_body": None,
                "response_content_type": None,
            },
            # Take over only a record past its retention or abandoned by a crashed process.
            where=or_(
                table.c.expires_at <= claim.now,
                table.c.response_status.is_(None) & (table.c.created_at <= claim.now - STALE_CLAIM),
            ),
        )
        .returning(table.c.key)
    )
    if (await session.execute(statement)).first() is None:
        raise KeyAlreadyUsed(claim)


class DeferredCommit:
    """The request's unit of work when its answer is stored with it (see the module docstring).

    ``SessionDep`` opens it instead of its own scope when the middleware put one in the request
    state, and rolls it back itself if the endpoint fails; on success the middleware stores the
    answer in :attr:`session` and calls :meth:`commit`.
    """

    def __init__(self) -> None:
        self._scope: AbstractAsyncContextManager[AsyncSession] | None = None
        self._after_commit: Callable[[AsyncSession], None] | None = None
        self.session: AsyncSession | None = None

    @property
    def is_open(self) -> bool:
        return self.session is not None

    async def open(
        self,
        factory: async_sessionmaker[AsyncSession],
        after_commit: Callable[[AsyncSession], None],
    ) -> AsyncSession:
        scope = transaction(factory)
        self.session = await scope.__aenter__()
        self._scope, self._after_commit = scope, after_commit
        return self.session

    async def commit(self) -> None:
        scope, session, after_commit = self._scope, self.session, self._after_commit
        assert scope is not None and session is not None and after_commit is not None
        self._scope = self.session = None
        await scope.__aexit__(None, None, None)
        after_commit(session)

    async def roll_back(self, error: BaseException) -> None:
        scope, self._scope, self.session = self._scope, None, None
        if scope is not None:
            await scope.__aexit__(type(error), error, error.__traceback__)


class _Claims(Protocol):
    @property
    def partner_id(self) -> uuid.UUID: ...


class TokenVerifier(Protocol):
    """What the middleware needs of the access-token signer (``auth.tokens``)."""

    def verify(self, token: str, now: datetime) -> _Claims | None: ...


@dataclass(frozen=True)
class IdempotencyStore:
    """Stored responses: read for replays, written after the first response, sealed at rest."""

    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    # A stored response may hold a secret shown once (a webhook signing secret).
    sealer: Sealer

    async def answer_for_existing_key(self, claim: IdempotencyClaim) -> Response:
        async with transaction(self.read_sessions) as session:
            record = await session.get(IdempotencyRecord, (claim.partner_id, claim.key))
        # The marker header tells the middleware not to store this answer as the key's response.
        marker = {REPLAY_MARKER.decode(): "1"}
        if record is None or record.request_hash != claim.request_hash:
            error: AppError = IdempotencyConflict()
        elif record.response_status is None:
            error = IdempotencyConflict(
                "A request with this Idempotency-Key is still being processed."
            )
        else:
            return Response(
                self.sealer.open(record.response_body or b"", _aad(claim)),
                status_code=record.response_status,
                media_type=record.response_content_type or "application/json",
                headers={"Idempotent-Replayed": "true", **marker},
            )
        return JSONResponse(error.body(), status_code=error.status, headers=marker)

    async def store_response(
        self, claim: IdempotencyClaim, status: int, body: bytes, content_type: str | None
    ) -> None:
        """Store (or, for a 5xx, forget) the answer in a transaction of its own."""
        if status in NOT_STORED_STATUSES:
            return
        table = IdempotencyRecord.__table__
        this_record = (table.c.partner_id == claim.partner_id) & (table.c.key == claim.key)
        async with transaction(self.sessions) as session:
            if status >= 500:
                await session.execute(delete(IdempotencyRecord).where(this_record))
                return
            await self.store_in(session, claim, status, body, content_type)

    async def store_in(
        self,
        session: AsyncSession,
        claim: IdempotencyClaim,
        status: int,
        body: bytes,
        content_type: str | None,
    ) -> None:
        """Store a (non-5xx) answer in ``session``'s transaction."""
        table = IdempotencyRecord.__table__
        response = {
            "response_status": status,
            "response_body": self.sealer.seal(body, _aad(claim)),
            "response_content_type": content_type,
        }
        statement = (
            _upsert(session.get_bind().dialect.name)
            .values(
                partner_id=claim.partner_id,
                key=claim.key,
                request_hash=claim.request_hash,
                created_at=claim.now,
                expires_at=claim.now + RETENTION,
                **response,
            )
            .on_conflict_do_update(
                index_elements=["partner_id", "key"],
                set_=response,
                where=table.c.request_hash == claim.request_hash,
            )
        )
        await session.execute(statement)


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, *, store: IdempotencyStore, verifier: TokenVerifier, clock: Clock
    ) -> None:
        self.app = app
        self.store = store
        self.verifier = verifier
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/v3/")
            or scope["path"].startswith("/v3/auth/")
        ):
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope["headers"] if k == b"idempotency-key"), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            error = ValidationFailed("Idempotency-Key must be 1-255 printable characters.")
            await JSONResponse(error.body(), status_code=error.status)(scope, receive, send)
            return
        partner_id = self._partner_from_token(scope)
        if partner_id is None:  # the endpoint answers 401
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request_hash = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body
        ).hexdigest()
        claim = IdempotencyClaim(partner_id, key, request_hash, self.clock.now())
        deferred = DeferredCommit()
        state = scope.setdefault("state", {})
        state["idempotency"] = claim
        state[DEFERRED_COMMIT] = deferred

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b"", "stored": False}

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
                if not message.get("more_body") and deferred.is_open:
                    # The endpoint succeeded: store its answer in its own transaction, then
                    # commit -- before any background task and before the client sees a byte.
                    captured["stored"] = await self._store_and_commit(deferred, claim, captured)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException as error:
            await deferred.roll_back(error)
            await self.store.store_response(claim, 500, b"", None)
            raise
        if deferred.is_open:  # the response never finished its body
            await deferred.commit()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != REPLAY_MARKER]
        answered_from_key = len(headers) != len(captured["headers"])
        if not answered_from_key and not captured["stored"]:
            await self.store.store_response(
                claim,
                captured["status"],
                captured["body"],
                _header(captured["headers"], b"content-type"),
            )
        await send(
            {"type": "http.response.start", "status": captured["status"], "headers": headers}
        )
        await send({"type": "http.response.body", "body": captured["body"]})

    async def _store_and_commit(
        self, deferred: DeferredCommit, claim: IdempotencyClaim, captured: dict[str, Any]
    ) -> bool:
        status: int = captured["status"]
        storable = status < 500 and status not in NOT_STORED_STATUSES
        if storable and deferred.session is not None:
            content_type = _header(captured["headers"], b"content-type")
            await self.store.store_in(
                deferred.session, claim, status, captured["body"], content_type
            )
        await deferred.commit()
        return storable

    def _partner_from_token(self, scope: Scope) -> uuid.UUID | None:
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        claims = self.verifier.verify(token.strip(), self.clock.now())
        return claims.partner_id if claims else None


def _aad(claim: IdempotencyClaim) -> bytes:
    return f"{claim.partner_id}:{claim.key}".encode()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None
