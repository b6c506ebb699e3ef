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
    claim: IdempotencyClaim | None = getattr(request.state, "idempotency", None)
    async with transaction(factory) as session:
        if claim is not None:
            # The key is claimed in the same transaction as the request's effects.
            await claim_in_transaction(session, claim)
        yield session
    if session.info.get("wrote_deliveries"):
        runtime.wake_worker()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
