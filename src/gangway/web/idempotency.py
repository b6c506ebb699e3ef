"""``Idempotency-Key`` on every partner POST: the first response is stored for 24 h and replayed.

Runs as ASGI middleware so it sees the exact body and the exact response. Phase one claims the key
(a row with no response yet); phase two stores the response, or forgets the key after a 5xx so the
partner can retry. A claim older than ``STALE_CLAIM`` (a crashed process) may be taken over.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gangway.db.session import transaction
from gangway.errors import AppError, IdempotencyConflict, ValidationFailed
from gangway.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=2)
MAX_KEY_LENGTH = 255


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        try:
            await self._handle(scope, receive, send, raw_key)
        except AppError as error:
            await JSONResponse(error.body(), status_code=error.status)(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, raw_key: bytes) -> None:
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationFailed("Idempotency-Key must be 1-255 printable characters.")
        runtime = scope["app"].state.runtime
        partner_id = _partner_from_token(scope, runtime)
        if partner_id is None:  # the endpoint answers 401
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request_hash = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body
        ).hexdigest()
        now = runtime.clock.now()

        replay = await self._claim(runtime, partner_id, key, request_hash, now)
        if replay is not None:
            status, content, content_type = replay
            await _send_raw(send, status, content, content_type, replayed=True)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            this_record = (IdempotencyRecord.partner_id == partner_id) & (
                IdempotencyRecord.key == key
            )
            async with transaction(runtime.sessions) as session:
                if captured["status"] >= 500:
                    await session.execute(delete(IdempotencyRecord).where(this_record))
                else:
                    await session.execute(
                        update(IdempotencyRecord)
                        .where(this_record)
                        .values(
                            response_status=captured["status"],
                            response_body=captured["body"],
                            response_content_type=_header(captured["headers"], b"content-type"),
                        )
                    )
        await send(
            {
                "type": "http.response.start",
                "status": captured["status"],
                "headers": captured["headers"],
            }
        )
        await send({"type": "http.response.body", "body": captured["body"]})

    @staticmethod
    async def _claim(
        runtime: Any, partner_id: Any, key: str, request_hash: str, now: Any
    ) -> tuple[int, bytes, str] | None:
        """Claim the key for this request (``None``), or return the stored response to replay.

        The common case, a new key, is a single INSERT; only a clash reads the existing row.
        """
        claim = insert(IdempotencyRecord).values(
            partner_id=partner_id,
            key=key,
            request_hash=request_hash,
            created_at=now,
            expires_at=now + RETENTION,
        )
        try:
            async with transaction(runtime.sessions) as session:
                await session.execute(claim)
            return None
        except IntegrityError:
            pass
        async with transaction(runtime.sessions) as session:
            record = await session.get(IdempotencyRecord, (partner_id, key))
            if (
                record is None
                or record.expires_at <= now
                or (record.response_status is None and record.created_at + STALE_CLAIM <= now)
            ):
                # Expired, or abandoned by a crashed process: take the key over.
                if record is not None:
                    await session.delete(record)
                    await session.flush()
                await session.execute(claim)
                return None
            if record.request_hash != request_hash:
                raise IdempotencyConflict()
            if record.response_status is None:
                raise IdempotencyConflict(
                    "A request with this Idempotency-Key is still being processed."
                )
            return (
                record.response_status,
                record.response_body or b"",
                record.response_content_type or "application/json",
            )


def _partner_from_token(scope: Scope, runtime: Any) -> Any:
    header = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    claims = runtime.extras["signer"].verify(token.strip(), runtime.clock.now())
    return claims.partner_id if claims else None


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


async def _send_raw(
    send: Send, status: int, body: bytes, content_type: str, *, replayed: bool
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def purge_expired(session: Any, now: Any) -> int:
    """Delete records past their 24 h (run by the worker's periodic jobs)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(result.rowcount or 0)
