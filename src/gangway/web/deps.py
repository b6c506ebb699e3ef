"""Dependency aliases every endpoint uses; auth dependencies live with their domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.config import Settings
from gangway.db.session import transaction
from gangway.kit.clock import Clock
from gangway.web.idempotency import IdempotencyClaim, claim_in_transaction
from gangway.web.runtime import Runtime

READ_METHODS = frozenset({"GET", "HEAD"})


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the endpoint returns, rolled back on error.

    ``scope="function"`` makes the commit happen before the response is sent, so a client never
    sees a 201 for a write that then failed to commit.
    """
    factory = runtime.read_sessions if request.method in READ_METHODS else runtime.sessions
    async with transaction(factory) as session:
        yield session
    if session.info.get("wrote_deliveries"):
        runtime.wake_worker()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def claim_idempotency_key(request: Request, session: AsyncSession) -> None:
    """Claim the request's ``Idempotency-Key`` (if any) in the request's transaction.

    Not done when the session opens: ``PartnerDep`` depends on ``SessionDep``, so a claim there
    would run -- and a used key would replay its stored response -- before the token's session,
    API key and rate limit were checked. The partner auth dependency calls this once they passed,
    so a replay answers only what a fresh request from the same caller would be allowed to see.
    """
    claim: IdempotencyClaim | None = getattr(request.state, "idempotency", None)
    if claim is not None:
        await claim_in_transaction(session, claim)
