"""Reviewer pages: login/logout, dashboard, review queue, individual file, documents, decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from gangway.audit import service as audit
from gangway.db.session import transaction
from gangway.errors import Forbidden, RateLimited, RequestBlocked
from gangway.individuals import decisions
from gangway.kit.catalogues import N_
from gangway.kit.ids import random_token
from gangway.models import ActorType, RedactionRequest
from gangway.pending_actions import service as pending_actions
from gangway.review import documents, mfa, queries
from gangway.review import staff as staff_service
from gangway.review.deps import (
    COOKIE_NAME,
    LOGIN_COOKIE_NAME,
    ServicesDep,
    StaffDep,
    verify_form_csrf,
)
from gangway.review.web import _, cookie_flags, page, safe_next
from gangway.verification import service as verification
from gangway.web.deps import SessionDep
from gangway.web.middleware import client_ip
from gangway.webhooks import service as webhooks

router = APIRouter(prefix="/admin", include_in_schema=False)

# A ``staff.login_alert`` audit entry when an email or an address reaches this many failed logins
# within the delay trackers' window (an hour).
ALERT_EMAIL_FAILURES = 10
ALERT_ADDRESS_FAILURES = 20


def _login_page(
    request: Request,
    pre_key: str,
    next: str | None,
    *,
    error: str | None = None,
    email: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The login form (again), its CSRF token bound to the pre-session cookie; typed email kept."""
    services = request.app.state.services
    return page(
        request,
        "login.html",
        {
            "next": safe_next(next),
            "login_csrf": services.admin_csrf.token_for("login:" + pre_key),
            "error": error,
            "email": email,
            "local_passwords": services.settings.staff_local_passwords,
            "sso": services.settings.staff_sso_enabled,
        },
        status_code=status_code,
        headers=headers,
    )


@router.get("/login")
async def login_form(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    """The login page; a pre-session cookie binds its CSRF token."""
    pre_key = request.cookies.get(LOGIN_COOKIE_NAME) or random_token(24)
    response = _login_page(request, pre_key, next)
    response.set_cookie(LOGIN_COOKIE_NAME, pre_key, max_age=3600, **cookie_flags(request))  # type: ignore[arg-type]
    return response


@router.post("/login")
async def login(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/admin",
) -> Response:
    """Check the password; failures are audited and slow down the email and the address.

    Progressive delays, not a lock: after a few failures each next attempt on the email (or from
    the address) must wait 1, 2, 4 ... seconds up to 15 minutes after the last failure; attempts
    during the wait are refused (429) without counting, and the right password after the wait
    works. Many failures raise a ``staff.login_alert`` in the audit log. The session it opens
    still owes its second factor unless none is required (``GANGWAY_STAFF_MFA=optional`` and the
    person enrolled none): the next stop is the MFA page or the enrolment."""
    if not services.settings.staff_local_passwords:
        raise Forbidden("Sign in with your bank's identity provider.")
    pre_key = request.cookies.get(LOGIN_COOKIE_NAME, "")
    if not pre_key:
        raise Forbidden("The login form expired. Reload the page and try again.")
    await verify_form_csrf(request, services, "login:" + pre_key)
    by_email = services.staff_login_throttle
    by_address = services.staff_login_address_throttle
    address = client_ip(request.scope)
    actor = email.strip().lower()[:320] or None
    email_key = "email:" + email.strip().lower()
    address_key = "ip:" + address
    now = services.clock.now()
    waits = [
        w
        for w in (
            await by_address.retry_after(address_key),
            await by_email.retry_after(email_key),
        )
        if w
    ]
    if waits:
        await audit.record(
            session,
            action="staff.login_throttled",
            now=now,
            actor_type=ActorType.staff,
            actor_id=actor,
            client_ip=address,
        )
        # Rendered, not raised, so that the audit entry above is committed.
        return _login_page(
            request,
            pre_key,
            next,
            error=RateLimited.default_message
            + f" Too many failed logins: wait {max(waits)} seconds and try again.",
            email=email,
            status_code=429,
            headers={"Retry-After": str(max(waits))},
        )
    user = await staff_service.authenticate(session, email, password)
    if user is None:
        email_failures = await by_email.fail(email_key)
        address_failures = await by_address.fail(address_key)
        await audit.record(
            session,
            action="staff.login_failed",
            now=now,
            actor_type=ActorType.staff,
            actor_id=actor,
            client_ip=address,
        )
        for by, failures, threshold in (
            ("email", email_failures, ALERT_EMAIL_FAILURES),
            ("address", address_failures, ALERT_ADDRESS_FAILURES),
        ):
            if failures == threshold:  # once, as the count reaches it
                await audit.record(
                    session,
                    action="staff.login_alert",
                    now=now,
                    actor_type=ActorType.staff,
                    actor_id=actor,
                    client_ip=address,
                    detail={"by": by, "failures_last_hour": failures},
                )
        return _login_page(
            request,
            pre_key,
            next,
            error=_("The email or password is not correct."),
            email=email,
            status_code=401,
        )
    # Only the email is reset: resetting the address would let someone with an account of their
    # own clear their address's count between guesses at other accounts.
    await by_email.reset(email_key)
    factors = await mfa.factors_of(session, user)
    verified = not factors.any and services.settings.staff_mfa == "optional"
    key = await staff_service.open_session(session, user, now, address, mfa_verified=verified)
    second_factor = "not_required" if verified else ("due" if factors.any else "enrolment")
    await audit.record(
        session,
        action="staff.login",
        now=now,
        actor_type=ActorType.staff,
        actor_id=user.id,
        subject_id=user.id,
        client_ip=address,
        detail={"method": "password", "second_factor": second_factor},
    )
    response = RedirectResponse(mfa.next_stop(factors, verified, next), status_code=303)
    response.set_cookie(COOKIE_NAME, key, **cookie_flags(request))  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_COOKIE_NAME, path="/admin")
    return response


@router.post("/logout")
async def logout(
    request: Request, staff: StaffDep, services: ServicesDep, session: SessionDep
) -> Response:
    now = services.clock.now()
    await staff_service.end_session(session, staff.session_id, now)
    await audit.record(
        session,
        action="staff.logout",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=staff.staff_id,
        client_ip=client_ip(request.scope),
    )
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/admin")
    return response


@router.get("")
async def dashboard(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    failed = await webhooks.failed_delivery_count(session)
    return page(
        request, "dashboard.html", {"board": await queries.dashboard(session, failed)}, staff=staff
    )


@router.get("/queue")
async def queue(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    risk: Annotated[str | None, Query(max_length=10)] = None,
    verification_outcome: Annotated[str | None, Query(alias="verification", max_length=10)] = None,
    sort: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    items = await queries.review_queue(
        session, partner_id=partner, risk=risk, verification=verification_outcome, sort=sort
    )
    return page(
        request,
        "queue.html",
        {
            "items": items,
            "pending": await queries.pending_actions_to_review(session, partner_id=partner),
            "partners": await queries.partners(session),
            "partner_filter": partner or "",
            "risk_filter": risk or "",
            "risk_levels": queries.RISK_LEVELS,
            "verification_filter": verification_outcome or "",
            "verification_filters": queries.VERIFICATION_FILTERS,
            "sort": sort or "",
        },
        staff=staff,
    )


@router.get("/individuals")
async def find(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=320)] = "",
) -> Response:
    found = await queries.find_individuals(session, q) if q.strip() else []
    return page(request, "find.html", {"q": q, "found": found}, staff=staff)


DONE_MESSAGES = {
    "verification": N_("Identity verification queued; the report appears here in a few seconds."),
    "approve": N_("Decision saved: approve."),
    "reject": N_("Decision saved: reject."),
    "block": N_("Decision saved: block."),
    "unblock": N_("Decision saved: unblock."),
    "requested": N_("Pending action requested; the partner is notified."),
    "canceled": N_("Pending action canceled."),
    "reviewed": N_("Pending action marked as reviewed."),
}


@router.get("/individuals/{individual_id}")
async def individual(
    request: Request,
    individual_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    person = await decisions.load_individual(session, individual_id)
    file = await queries.individual_file(session, person)
    submitted = (file.submission.data if file.submission else None) or {}
    runs = await verification.runs_of(session, person.id)
    return page(
        request,
        "individual.html",
        {
            "file": file,
            "sections": queries.submitted_sections(submitted),
            "runs": queries.verification_runs(runs, submitted),
            "verification_enabled": services.verification_engine is not None,
            "can_rerun": file.submission is not None,
            "actors": await queries.staff_emails(session, file.audit_trail),
            "allowed": [] if person.redacted_at else decisions.decisions_for(person.status),
            "erasure": await session.get(RedactionRequest, person.id),
            "reasons": decisions.REASONS,
            "done": done if done in DONE_MESSAGES else None,
            "done_message": _(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
            "raisable": person.redacted_at is None
            and person.status in pending_actions.RAISABLE_FROM,
            "default_descriptions": pending_actions.DEFAULT_DESCRIPTIONS,
            "default_expiry": (services.clock.now() + pending_actions.DEFAULT_LIFETIME).date(),
            "now": services.clock.now(),
        },
        staff=staff,
    )


@router.get("/individuals/{individual_id}/documents/{document_id}")
async def document(
    request: Request,
    individual_id: str,
    document_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """The decrypted file, for staff eyes only: never cached, every view audited."""
    person = await decisions.load_individual(session, individual_id)
    doc = await documents.load_document(session, person.id, document_id)
    content = await documents.open_document(session, doc)
    # A GET runs in a read-only transaction; the view is audited in its own write transaction,
    # committed before a single byte is served.
    async with transaction(services.sessions) as writer:
        await audit.record(
            writer,
            action="document.viewed",
            now=services.clock.now(),
            actor_type=ActorType.staff,
            actor_id=staff.staff_id,
            subject_id=person.id,
            client_ip=client_ip(request.scope),
            detail={"document_id": str(doc.id), "kind": doc.kind},
        )
    inline = doc.content_type in documents.INLINE_TYPES
    media_type = doc.content_type if inline else "application/octet-stream"
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store, private",
            "Content-Disposition": f'{disposition}; filename="{doc.kind}"',
            "Cross-Origin-Resource-Policy": "same-origin",
            # Whatever the file holds, it can run nothing in our origin.
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
        },
    )


@router.post("/individuals/{individual_id}/decision")
async def decide(
    request: Request,
    individual_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
    decision: Annotated[decisions.Decision, Form()],
    reason: Annotated[str | None, Form(max_length=64)] = None,
    note: Annotated[str | None, Form(max_length=decisions.MAX_NOTE)] = None,
) -> Response:
    """Approve, reject, block or unblock; one transaction with the event and the audit entry."""
    person = await decisions.load_individual(session, individual_id)
    await decisions.decide(
        session,
        person,
        decision,
        actor=decisions.Actor(ActorType.staff, str(staff.staff_id), client_ip(request.scope)),
        now=services.clock.now(),
        reason=reason or None,
        note=note,
    )
    return RedirectResponse(
        f"/admin/individuals/{person.id}?done={decision.value}", status_code=303
    )


@router.post("/individuals/{individual_id}/verification")
async def rerun_verification(
    request: Request,
    individual_id: str,
    staff: StaffDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """Queue identity verification again on the submitted photos (audited); the earlier reports
    stay, side by side."""
    person = await decisions.load_individual(session, individual_id)
    submission = await queries.latest_submission(session, person.id)
    if services.verification_engine is None or submission is None:
        raise RequestBlocked("Identity verification needs a submission and a configured engine.")
    now = services.clock.now()
    run = await verification.queue(
        session, person, now=now, submission_id=submission.id, requested_by=str(staff.staff_id)
    )
    await audit.record(
        session,
        action="verification.requested",
        now=now,
        actor_type=ActorType.staff,
        actor_id=staff.staff_id,
        subject_id=person.id,
        client_ip=client_ip(request.scope),
        detail={"verification_run_id": str(run.id), "version": run.version},
    )
    return RedirectResponse(f"/admin/individuals/{person.id}?done=verification", status_code=303)
