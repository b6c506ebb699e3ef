"""Flow sessions: ``/flow/start`` binds a browser to a flow with an HttpOnly cookie; ``FlowDep``
loads that binding (and everything a step needs) on every later request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.branding import service as branding
from gangway.consents import service as consents
from gangway.db.session import transaction
from gangway.errors import AppError
from gangway.flow import consent as consent_flow
from gangway.flow import i18n
from gangway.flow.context import FlowContext
from gangway.flow.definitions import FLOWS
from gangway.flow.render import language
from gangway.kit.ids import random_token, sha256_hex
from gangway.models import FlowSession, Individual, IndividualStatus, OnboardingLink, Partner
from gangway.onboarding import service
from gangway.onboarding.links import AlreadySubmitted, LinkAlreadyOpened, LinkExpired
from gangway.services import Services
from gangway.web.deps import SessionDep

COOKIE = "gangway_flow"
SESSION_LIFETIME = timedelta(hours=2)


class InvalidPublicKey(AppError):
    status = 403
    code = "invalid_public_key"
    default_message = "The public key does not belong to the partner of this link."


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def write_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-write unit of work for the GET that starts a flow (it creates the session row)."""
    async with transaction(services.sessions) as session:
        yield session


WriteSessionDep = Annotated[AsyncSession, Depends(write_session, scope="function")]


def remember_for_errors(request: Request, **values: object) -> None:
    """Let the error renderer know the platform, flow and individual (for the SDK bridge)."""
    state = request.scope.setdefault("state", {})
    for key, value in values.items():
        state[f"flow_{key}"] = value


async def session_of_this_browser(
    session: AsyncSession, request: Request, link: OnboardingLink, now: datetime
) -> FlowSession | None:
    """The live flow session this browser already has on ``link`` (reopening the link in the
    same browser resumes it)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 100:
        return None
    return await session.scalar(
        select(FlowSession).where(
            FlowSession.session_hash == sha256_hex(cookie),
            FlowSession.link_id == link.id,
            FlowSession.expires_at > now,
        )
    )


async def claim_link(session: AsyncSession, link: OnboardingLink, now: datetime) -> None:
    """Bind ``link`` to the browser opening it now; a link already opened elsewhere is refused.

    A conditional UPDATE, so of two browsers racing to open a fresh link exactly one wins.
    """
    claimed = await session.execute(
        update(OnboardingLink)
        .where(OnboardingLink.id == link.id, OnboardingLink.last_opened_at.is_(None))
        .values(last_opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise LinkAlreadyOpened()


async def end_other_sessions(session: AsyncSession, link: OnboardingLink) -> None:
    """A newly opened link takes over: the individual's other sessions of the same onboarding (or
    of the same consent) end, so an older browser sees nothing more of the draft."""
    same_flow = (
        FlowSession.consent_id.is_(None)
        if link.consent_id is None
        else FlowSession.consent_id == link.consent_id
    )
    await session.execute(
        delete(FlowSession).where(FlowSession.individual_id == link.individual_id, same_flow)
    )


async def end_session(session: AsyncSession, flow_session: FlowSession) -> None:
    """Cancel: the session row goes (its consent progress with it); the cookie is expired too."""
    await session.execute(delete(FlowSession).where(FlowSession.id == flow_session.id))


def expire_cookie(response: Response, services: Services) -> None:
    response.delete_cookie(
        COOKIE,
        path="/flow",
        httponly=True,
        samesite="lax",
        secure=services.settings.public_url_is_https,
    )


async def open_session(
    session: AsyncSession,
    link: OnboardingLink,
    individual: Individual,
    *,
    platform: str,
    now: datetime,
) -> tuple[FlowSession, str]:
    """A new browser session on a link nobody has opened yet (it claims the link)."""
    await claim_link(session, link, now)
    await end_other_sessions(session, link)
    cookie = random_token(32)
    flow_session = FlowSession(
        session_hash=sha256_hex(cookie),
        link_id=link.id,
        individual_id=individual.id,
        partner_id=individual.partner_id,
        flow=link.flow,
        consent_id=link.consent_id,
        platform=platform,
        return_url=link.return_url,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(flow_session)
    link.last_opened_at = now
    link.last_platform = platform
    await session.flush()
    if link.consent_id is not None:
        await consents.start_progress(session, flow_session, link.consent_id, now)
    return flow_session, cookie


def set_cookie(response: Response, cookie: str, services: Services) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/flow",
        httponly=True,
        samesite="lax",
        secure=services.settings.public_url_is_https,
    )


async def load_flow(
    request: Request, services: Services, session: AsyncSession, *, finished_ok: bool
) -> FlowContext:
    now = services.clock.now()
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 100:
        raise LinkExpired()
    flow_session = await session.scalar(
        select(FlowSession).where(FlowSession.session_hash == sha256_hex(cookie))
    )
    definition = FLOWS.get(flow_session.flow) if flow_session is not None else None
    if flow_session is None or flow_session.expires_at <= now or definition is None:
        raise LinkExpired()
    partner = await session.get(Partner, flow_session.partner_id)
    individual = await session.get(Individual, flow_session.individual_id)
    assert partner is not None and individual is not None
    remember_for_errors(
        request,
        platform=flow_session.platform,
        name=flow_session.flow,
        individual_id=str(individual.id),
        partner_name=partner.name,
        branding=await branding.for_flow(session, partner.id),
    )
    lang = language(request)
    writing = request.method not in ("GET", "HEAD")
    consent = None
    if definition.consent:
        consent = await consent_flow.load_consent(session, flow_session, now)
        draft: service.Draft | None = await consents.progress_of(
            session, flow_session.id, for_update=writing
        )
    else:
        if individual.status != IndividualStatus.onboarding_requested and not finished_ok:
            raise AlreadySubmitted()
        draft = await service.get_draft(session, individual.id, for_update=writing)
    if draft is None:
        raise LinkExpired()
    return FlowContext(
        request=request,
        session=session,
        services=services,
        flow_session=flow_session,
        definition=definition,
        individual=individual,
        partner=partner,
        draft=draft,
        now=now,
        lang=lang,
        t=i18n.translator(lang),
        consent=consent,
    )


async def active_flow(request: Request, services: ServicesDep, session: SessionDep) -> FlowContext:
    return await load_flow(request, services, session, finished_ok=False)


async def any_flow(request: Request, services: ServicesDep, session: SessionDep) -> FlowContext:
    return await load_flow(request, services, session, finished_ok=True)


FlowDep = Annotated[FlowContext, Depends(active_flow)]
FinishedFlowDep = Annotated[FlowContext, Depends(any_flow)]


async def take_webauthn_challenge(
    request: Request, services: Services, check: Callable[[FlowContext], None]
) -> str | None:
    """Consume the flow session's pending WebAuthn challenge in a transaction of its own.

    It commits before the credential is verified, so a challenge is single-use even when the
    verification fails and the request's transaction rolls back. ``check`` (the CSRF header and
    the step's preconditions) runs first; if it raises, the challenge stays.
    """
    async with transaction(services.sessions) as session:
        ctx = await load_flow(request, services, session, finished_ok=False)
        check(ctx)
        challenge = ctx.flow_session.webauthn_challenge
        ctx.flow_session.webauthn_challenge = None
    return challenge
