"""Flow sessions: ``/flow/start`` binds a browser to a flow with an HttpOnly cookie; ``FlowDep``
loads that binding (and everything a step needs) on every later request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.db.session import transaction
from gangway.errors import AppError
from gangway.kit.ids import random_token, sha256_hex
from gangway.models import FlowSession, Individual, IndividualStatus, OnboardingLink, Partner
from gangway.onboarding import service
from gangway.onboarding.flow import consent as consent_flow
from gangway.onboarding.flow import i18n
from gangway.onboarding.flow.context import FlowContext
from gangway.onboarding.flow.render import language
from gangway.onboarding.links import AlreadySubmitted, LinkExpired
from gangway.web.csrf import CsrfProtector, protector_for
from gangway.web.deps import RuntimeDep, SessionDep
from gangway.web.runtime import Runtime

COOKIE = "gangway_flow"
SESSION_LIFETIME = timedelta(hours=2)


class InvalidPublicKey(AppError):
    status = 403
    code = "invalid_public_key"
    default_message = "The public key does not belong to the partner of this link."


async def write_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A read-write unit of work for the GET that starts a flow (it creates the session row)."""
    async with transaction(runtime.sessions) as session:
        yield session


WriteSessionDep = Annotated[AsyncSession, Depends(write_session, scope="function")]


def csrf(runtime: Runtime) -> CsrfProtector:
    return protector_for(runtime.extras, runtime.secret_key, "flow")


def remember_for_errors(request: Request, **values: object) -> None:
    """Let the error renderer know the platform, flow and individual (for the SDK bridge)."""
    state = request.scope.setdefault("state", {})
    for key, value in values.items():
        state[f"flow_{key}"] = value


async def open_session(
    session: AsyncSession,
    link: OnboardingLink,
    individual: Individual,
    *,
    platform: str,
    now: datetime,
) -> tuple[FlowSession, str]:
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
        state=consent_flow.start_state() if link.consent_id is not None else None,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(flow_session)
    link.last_opened_at = now
    link.last_platform = platform
    await session.flush()
    return flow_session, cookie


def set_cookie(response: Response, cookie: str, runtime: Runtime) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/flow",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.public_url_is_https,
    )


async def load_flow(
    request: Request, runtime: Runtime, session: AsyncSession, *, finished_ok: bool
) -> FlowContext:
    now = runtime.clock.now()
    cookie = request.cookies.get(COOKIE)
    if not cookie or len(cookie) > 100:
        raise LinkExpired()
    flow_session = await session.scalar(
        select(FlowSession).where(FlowSession.session_hash == sha256_hex(cookie))
    )
    if flow_session is None or flow_session.expires_at <= now:
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
    )
    lang = language(request)
    if flow_session.consent_id is not None:
        consent = await consent_flow.load_consent(session, flow_session, now)
        return FlowContext(
            request=request,
            session=session,
            runtime=runtime,
            flow_session=flow_session,
            individual=individual,
            partner=partner,
            draft=consent_flow.ConsentDraft(flow_session),
            now=now,
            lang=lang,
            t=i18n.translator(lang),
            consent=consent,
        )
    onboarding = flow_session.flow == "onboarding"
    if (
        onboarding
        and individual.status != IndividualStatus.onboarding_requested
        and not finished_ok
    ):
        raise AlreadySubmitted()
    draft = await service.get_draft(
        session, individual.id, for_update=request.method not in ("GET", "HEAD")
    )
    if draft is None:
        raise LinkExpired()
    return FlowContext(
        request=request,
        session=session,
        runtime=runtime,
        flow_session=flow_session,
        individual=individual,
        partner=partner,
        draft=draft,
        now=now,
        lang=lang,
        t=i18n.translator(lang),
    )


async def active_flow(request: Request, runtime: RuntimeDep, session: SessionDep) -> FlowContext:
    return await load_flow(request, runtime, session, finished_ok=False)


async def any_flow(request: Request, runtime: RuntimeDep, session: SessionDep) -> FlowContext:
    return await load_flow(request, runtime, session, finished_ok=True)


FlowDep = Annotated[FlowContext, Depends(active_flow)]
FinishedFlowDep = Annotated[FlowContext, Depends(any_flow)]
