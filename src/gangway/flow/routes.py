"""The hosted flow's pages: start, steps, cancel, done. Every POST carries the CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gangway.branding import service as branding
from gangway.errors import NotFound, RateLimited
from gangway.flow import consent as consent_flow
from gangway.flow import render
from gangway.flow.context import FlowContext, Outcome
from gangway.flow.definitions import FLOWS, FlowDefinition, Step
from gangway.flow.session import (
    FinishedFlowDep,
    FlowDep,
    InvalidPublicKey,
    ServicesDep,
    WriteSessionDep,
    end_session,
    expire_cookie,
    open_session,
    remember_for_errors,
    session_of_this_browser,
    set_cookie,
)
from gangway.models import Consent, ConsentStatus, IndividualStatus, Partner
from gangway.observability import RATE_LIMITED
from gangway.onboarding import links, service

router = APIRouter(prefix="/flow", include_in_schema=False)

FORM_LIMITS: dict[str, Any] = {"max_files": 3, "max_fields": 40, "max_part_size": 64 * 1024}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def step_url(flow: str, step: str) -> str:
    return f"/flow/{flow}/{step}"


def next_url(ctx: FlowContext) -> str:
    """The first step not completed yet, else the review."""
    definition = ctx.definition
    unfinished = service.first_unfinished(ctx.draft, definition.before_review)
    return step_url(definition.name, unfinished or definition.names[-1])


def csrf_token(ctx: FlowContext) -> str:
    return ctx.services.flow_csrf.token_for(str(ctx.flow_session.id))


def check_csrf(ctx: FlowContext, presented: str | None) -> None:
    ctx.services.flow_csrf.verify(str(ctx.flow_session.id), presented)


@router.get("/start")
async def start(
    request: Request,
    services: ServicesDep,
    session: WriteSessionDep,
    token: str = "",
    platform: str | None = None,
    public_key: str | None = None,
) -> Response:
    """Public: exchanges the link's token for a flow cookie and moves on to the first open step,
    so the token leaves the address bar."""
    now = services.clock.now()
    sdk_platform = platform if platform in render.SDK_PLATFORMS else None
    remember_for_errors(request, platform=sdk_platform or "web", name="onboarding")
    link, individual = await links.resolve(session, token, now)
    partner = await session.scalar(select(Partner).where(Partner.id == link.partner_id))
    assert partner is not None
    remember_for_errors(
        request,
        name=link.flow,
        partner_name=partner.name,
        branding=await branding.for_flow(session, partner.id),
    )
    definition = FLOWS.get(link.flow)
    if definition is None:  # a flow this deployment does not serve (yet)
        raise links.LinkExpired()
    if definition.consent:
        consent = await session.get(Consent, link.consent_id) if link.consent_id else None
        consent_flow.require_open_consent(consent, now)
    # Only a live token learns whose it is: a refused one (unknown, expired, used, consent closed)
    # posts individual_id null (docs/sdk-bridge.md).
    remember_for_errors(request, individual_id=str(individual.id))
    if sdk_platform is not None and public_key != partner.public_key:
        raise InvalidPublicKey()
    cookie = None
    if await session_of_this_browser(session, request, link, now) is None:
        _flow_session, cookie = await open_session(
            session, link, individual, platform=sdk_platform or "web", now=now
        )
    if definition.consent:
        first = definition.names[0]
    else:
        draft = await service.get_or_create_draft(session, individual, now)
        first = service.first_unfinished(draft, definition.before_review) or definition.names[-1]
    response = _see_other(step_url(definition.name, first))
    if cookie is not None:
        set_cookie(response, cookie, services)
    lang = request.query_params.get("lang")
    if lang in ("en", "sv"):
        response.set_cookie(render.LANG_COOKIE, lang, path="/flow", httponly=True, samesite="lax")
    return response


def _resolve_step(ctx: FlowContext, flow_name: str, step_name: str) -> tuple[FlowDefinition, Step]:
    definition = ctx.definition
    step = definition.step(step_name) if flow_name == definition.name else None
    if step is None:
        raise NotFound("No such step.")
    return definition, step


def _reachable(definition: FlowDefinition, ctx: FlowContext, step: Step) -> bool:
    unfinished = service.first_unfinished(ctx.draft, definition.before_review)
    limit = definition.index(unfinished) if unfinished else len(definition.steps) - 1
    return definition.index(step.name) <= limit


async def _render_step(
    ctx: FlowContext,
    definition: FlowDefinition,
    step: Step,
    outcome: Outcome | None = None,
    status: int = 200,
) -> Response:
    context = await step.prepare(ctx, step.name)
    errors: dict[str, str] = {}
    if outcome is not None:
        context.update(outcome.extra)
        if outcome.parsed is not None:
            context["values"] = {**context.get("values", {}), **outcome.parsed.values}
            errors = {
                name: ctx.t.problem(problem.key, **problem.params)
                for name, problem in outcome.parsed.errors.items()
            }
    index = definition.index(step.name)
    previous = definition.steps[index - 1].name if index > 0 else None
    return render.page(
        ctx.request,
        step.template,
        ctx.lang,
        status=status,
        partner_name=ctx.partner.name,
        flow=definition.name,
        step=step.name,
        title=ctx.t.gettext(step.title),
        step_number=index + 1,
        step_count=len(definition.steps),
        csrf_token=csrf_token(ctx),
        action_url=step_url(definition.name, step.name),
        multipart=step.multipart,
        back_url=step_url(definition.name, previous) if previous else None,
        errors=errors,
        first_error=next(iter(errors), None),
        notice=outcome.notice if outcome else None,
        **context,
    )


def _consent_completed(ctx: FlowContext) -> bool:
    return ctx.consent is not None and ctx.consent.status == ConsentStatus.completed


async def _finished(ctx: FlowContext) -> Response | None:
    """After the submission every step leads to the done page (a double click lands there too)."""
    if ctx.consent is not None:
        return _see_other("/flow/done") if _consent_completed(ctx) else None
    if ctx.individual.status == IndividualStatus.onboarding_requested:
        return None
    if await service.existing_submission(ctx.session, ctx.individual.id) is None:
        raise links.AlreadySubmitted()
    return _see_other("/flow/done")


@router.get("/{flow_name}/{step_name}")
async def show_step(flow_name: str, step_name: str, ctx: FinishedFlowDep) -> Response:
    """A step page (FinishedFlowDep: the flow cookie)."""
    definition, step = _resolve_step(ctx, flow_name, step_name)
    if finished := await _finished(ctx):
        return finished
    if not _reachable(definition, ctx, step):
        return _see_other(next_url(ctx))
    return await _render_step(ctx, definition, step)


@router.post("/{flow_name}/{step_name}")
async def post_step(
    flow_name: str, step_name: str, request: Request, ctx: FinishedFlowDep
) -> Response:
    """Saves a step (FinishedFlowDep + CSRF token) and moves on, or shows the errors next to the
    fields."""
    definition, step = _resolve_step(ctx, flow_name, step_name)
    await _limit_posts(ctx)
    async with request.form(**FORM_LIMITS) as form:
        check_csrf(ctx, _text(form.get("csrf_token")))
        if finished := await _finished(ctx):
            return finished
        if not _reachable(definition, ctx, step):
            return _see_other(next_url(ctx))
        outcome = await step.handle(ctx, form)
    if not outcome.saved:
        return await _render_step(ctx, definition, step, outcome, status=400)
    if outcome.stay:
        return _see_other(step_url(definition.name, step.name))
    if step.name == definition.names[-1]:
        await definition.complete(ctx)
        return _see_other("/flow/done")
    return _see_other(next_url(ctx))


async def _limit_posts(ctx: FlowContext) -> None:
    """At most ``GANGWAY_FLOW_POSTS_PER_MINUTE`` POSTs per flow session (429, friendly page).

    Checked before the form is read, so a refused POST costs no multipart parsing and no image
    decode. Every POST counts, in a sliding minute (FailureThrottle used as a plain counter; the
    check and the count are one atomic step, so concurrent POSTs cannot all slip through).
    """
    retry_after = await ctx.services.flow_post_limiter.hit(str(ctx.flow_session.id))
    if retry_after is not None:
        RATE_LIMITED.inc()
        raise RateLimited(headers={"Retry-After": str(retry_after)})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _result_context(ctx: FlowContext, status: str) -> dict[str, Any]:
    """Where the user goes next: the partner's return_url (web) or the SDK bridge message."""
    individual_id = str(ctx.individual.id)
    context: dict[str, Any] = {
        "partner_name": ctx.partner.name,
        "platform": ctx.flow_session.platform,
        "return_link": None,
        "bridge": None,
    }
    if ctx.sdk:
        context["bridge"] = render.bridge_message(
            "canceled" if status == "canceled" else "completed",
            flow=ctx.flow_session.flow,
            individual_id=individual_id,
        )
    elif ctx.flow_session.return_url:
        context["return_link"] = links.with_result(
            ctx.flow_session.return_url, individual_id, status
        )
    return context


@router.get("/done")
async def done(ctx: FinishedFlowDep) -> Response:
    """The last page: thank you, then back to the partner (FinishedFlowDep: the flow cookie)."""
    if ctx.consent is not None:
        if not _consent_completed(ctx):
            return _see_other(next_url(ctx))
        return render.page(
            ctx.request,
            "done.html",
            ctx.lang,
            done_text=ctx.t.gettext(
                "Thank you. %(partner)s will let you know when the verification has been reviewed.",
                partner=render.shown_name(ctx.request, ctx.partner.name),
            ),
            **_result_context(ctx, "completed"),
        )
    if await service.existing_submission(ctx.session, ctx.individual.id) is None:
        return _see_other(next_url(ctx))
    return render.page(
        ctx.request, "done.html", ctx.lang, **_result_context(ctx, "onboarding_data_provided")
    )


@router.get("/cancel")
async def confirm_cancel(ctx: FlowDep) -> Response:
    """Asks for confirmation before leaving the flow (FlowDep)."""
    return render.page(
        ctx.request,
        "cancel.html",
        ctx.lang,
        partner_name=ctx.partner.name,
        csrf_token=csrf_token(ctx),
        back_url=next_url(ctx),
    )


@router.post("/cancel")
async def cancel(request: Request, ctx: FlowDep) -> Response:
    """Leaves the flow: web goes to return_url with status=canceled; the SDK gets `canceled`.
    The flow session ends (its row deleted, the cookie expired): the same cookie sees nothing
    more; a new link resumes the saved draft."""
    await _limit_posts(ctx)
    async with request.form(max_files=0, max_fields=5) as form:
        check_csrf(ctx, _text(form.get("csrf_token")))
    context = _result_context(ctx, "canceled")
    await end_session(ctx.session, ctx.flow_session)
    response: Response
    if context["return_link"]:
        response = _see_other(context["return_link"])
    else:
        response = render.page(ctx.request, "canceled.html", ctx.lang, **context)
    expire_cookie(response, ctx.services)
    return response
