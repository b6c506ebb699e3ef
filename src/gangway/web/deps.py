"""Dependency aliases every endpoint uses; auth dependencies live with their domain.

The app keeps its :class:`gangway.services.Services` on ``app.state.services``. This module (below
the domains) does not import that class: it declares, as :class:`Infrastructure`, the few fields
it reads, and the composition root's object provides them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gangway.config import Settings
from gangway.db.session import transaction
from gangway.kit.clock import Clock
from gangway.web.idempotency import (
    DEFERRED_COMMIT,
    DeferredCommit,
    IdempotencyClaim,
    claim_in_transaction,
)

READ_METHODS = frozenset({"GET", "HEAD"})


class Infrastructure(Protocol):
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    autocommit_reads: async_sessionmaker[AsyncSession] | None
    clock: Clock
    wake_worker: Callable[[], None]


def infrastructure(request: Request) -> Infrastructure:
    services: Infrastructure = request.app.state.services
    return services


def get_settings_dep(request: Request) -> Settings:
    return infrastructure(request).settings


def get_clock(request: Request) -> Clock:
    return infrastructure(request).clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the endpoint returns, rolled back on error.

    ``scope="function"`` makes the commit happen before the response is sent, so a client never
    sees a 201 for a write that then failed to commit. A request with an ``Idempotency-Key``
    commits a little later, still before sending: the idempotency middleware stores the answer in
    this same transaction first (``web.idempotency.DeferredCommit``); an error rolls back here.
    """
    services = infrastructure(request)
    factory = _factory(services, request)
    deferred: DeferredCommit | None = request.scope.get("state", {}).get(DEFERRED_COMMIT)
    if deferred is not None and factory is services.sessions and not deferred.is_open:
        deferred_session = await deferred.open(factory, after_commit=_waker(services))
        try:
            yield deferred_session
        except BaseException as error:
            await deferred.roll_back(error)
            raise
        return
    async with transaction(factory) as session:
        yield session
    _waker(services)(session)


def _factory(services: Infrastructure, request: Request) -> async_sessionmaker[AsyncSession]:
    if request.method not in READ_METHODS:
        return services.sessions
    if services.autocommit_reads is not None and request.scope["path"].startswith("/v3/"):
        return services.autocommit_reads
    return services.read_sessions


def _waker(services: Infrastructure) -> Callable[[AsyncSession], None]:
    def after_commit(session: AsyncSession) -> None:
        if session.info.get("wrote_deliveries"):
            services.wake_worker()

    return after_commit


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_write_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """For endpoints that open their transactions themselves (several, or none on a GET)."""
    return infrastructure(request).sessions


WriteSessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_write_sessions)]


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
