"""The composition root: everything a running Gangway is made of, in one place.

``create_app`` (``gangway serve``), ``gangway worker`` and every CLI command start here:

- :func:`build_services` builds the one :class:`~gangway.services.Services` object — every port's
  adapter chosen by the settings (SMS provider, webhook HTTP sender, clock...). Tests call it with
  fakes.
- :data:`ROUTES` lists every router and static directory the app serves, in matching order;
  :data:`HTML_ERROR_PAGES` the prefixes whose errors render as pages instead of JSON.
- :func:`event_subscribers` lists what runs inside the transaction of every recorded event.
- :func:`after_submission` lists what runs inside the transaction of an onboarding submission.
- :data:`PERIODIC_JOBS` and :func:`periodic_jobs` list what every worker runs on a timer.

Nothing registers itself at import time: if it is not listed here, it does not run.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter

from gangway.auth import endpoints as auth_endpoints
from gangway.auth.tokens import AccessTokenSigner
from gangway.branding import endpoints as branding_endpoints
from gangway.checks import runner as checks
from gangway.config import Settings
from gangway.consents import endpoints as consents_endpoints
from gangway.db import shared_limits
from gangway.db.engine import create_engine, create_sessionmaker
from gangway.db.redis_limits import RedisLimiterStore
from gangway.db.shared_limits import PostgresLimiterStore
from gangway.events import endpoints as events_endpoints
from gangway.events.service import SUBSCRIBERS, EventSubscriber
from gangway.flow import branding as flow_branding
from gangway.flow import consent_passkey, passkey
from gangway.flow import render as flow_render
from gangway.flow import routes as flow_routes
from gangway.individuals import endpoints as individuals_endpoints
from gangway.kit.clock import Clock, SystemClock
from gangway.kit.crypto import Sealer, derive_key
from gangway.kit.keyring import Keyring
from gangway.kit.oidc import OidcClient
from gangway.kit.ratelimit import (
    FailureThrottle,
    InProcessLimiterStore,
    LimiterStore,
    ProgressiveDelay,
    TokenBucket,
)
from gangway.models.sealed import KEYRING
from gangway.onboarding import endpoints as onboarding_endpoints
from gangway.onboarding.service import AfterSubmission
from gangway.onboarding.sms import SmsSender, sms_sender_for
from gangway.pending_actions import endpoints as pending_actions_endpoints
from gangway.pending_actions import service as pending_actions
from gangway.privacy import endpoints as privacy_endpoints
from gangway.privacy import service as privacy
from gangway.retention import purges as retention
from gangway.review import admin as review_admin
from gangway.review import branding as review_branding
from gangway.review import erasures as review_erasures
from gangway.review import export as review_export
from gangway.review import mfa_pages as review_mfa
from gangway.review import pages as review_pages
from gangway.review import pending as review_pending
from gangway.review import sso as review_sso
from gangway.review import staff_admin as review_staff_admin
from gangway.review import staff_passkey as review_staff_passkey
from gangway.review import web as review_web
from gangway.services import Services
from gangway.simulations import endpoints as simulations
from gangway.simulations import pending_actions as pending_action_simulations
from gangway.simulations import status as status_simulation
from gangway.verification import service as verification
from gangway.verification.jobs import VerificationJob
from gangway.verification.port import VerificationEngine, engine_for
from gangway.web.csrf import CsrfProtector
from gangway.web.idempotency import IdempotencyStore
from gangway.web.system import router as system_router
from gangway.webhooks import delivery, fanout
from gangway.webhooks import endpoints as webhooks_endpoints
from gangway.webhooks.sender import HttpxSender, WebhookSender
from gangway.webhooks.service import Policy as WebhookPolicy
from gangway.webhooks.signing import SecretBox
from gangway.worker.jobs import BatchedPurgeTask, Periodic, PeriodicJob, PeriodicTask


@dataclass(frozen=True)
class StaticFiles:
    """A directory served under ``path`` (mounted where it stands in :data:`ROUTES`)."""

    path: str
    directory: Path
    name: str


# In the order the app matches them: static mounts come before the flow's "/flow/{flow}/{step}".
ROUTES: tuple[APIRouter | StaticFiles, ...] = (
    system_router,
    # Partner API (/v3)
    auth_endpoints.router,
    individuals_endpoints.router,
    privacy_endpoints.router,
    events_endpoints.router,
    webhooks_endpoints.router,
    onboarding_endpoints.router,
    pending_actions_endpoints.router,
    consents_endpoints.router,
    branding_endpoints.router,
    # Sandbox simulations (every route answers 404 in live)
    simulations.router,
    pending_action_simulations.router,
    status_simulation.router,
    # Back office (/admin)
    StaticFiles("/admin/static", review_web.STATIC, "admin-static"),
    review_pages.router,
    review_admin.router,
    review_export.router,
    review_branding.router,
    review_staff_admin.router,
    review_mfa.router,
    review_staff_passkey.router,
    review_sso.router,
    review_pending.router,
    review_erasures.router,
    # Hosted flow (/flow)
    StaticFiles("/flow/static", flow_render.STATIC, "flow-static"),
    flow_branding.router,
    passkey.router,
    consent_passkey.router,
    flow_routes.router,
)

HTML_ERROR_PAGES = {"/flow": flow_render.render_error, "/admin": review_web.render_error}

PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("pending_actions.expire", 60, pending_actions.expire_due),
    PeriodicJob("webhooks.queue_metrics", 15, delivery.update_queue_metrics),
    PeriodicJob("limits.purge_expired", 3600, shared_limits.purge_expired),
    PeriodicJob("privacy.complete_due_redactions", 60, privacy.complete_due),
)


def event_subscribers(
    policy: checks.CheckPolicy, *, verifying: bool
) -> tuple[EventSubscriber, ...]:
    """In order, inside the event's transaction: the webhook outbox rows, then (if the operator
    turned it on) the automatic approval of a low-risk submission, whose own event fans out too.
    With identity verification on, the approval waits for the verification report instead (the
    verification job approves)."""
    subscribers: list[EventSubscriber] = [fanout.create_deliveries]
    if policy.auto_approve_low_risk and not verifying:
        subscribers.append(checks.auto_approve)
    return tuple(subscribers)


def after_submission(policy: checks.CheckPolicy, *, verifying: bool) -> tuple[AfterSubmission, ...]:
    """Inside the submit transaction, before the status change: the automated checks (they store
    their results and risk level on the submission; an error rolls the submission back), then a
    verification run queued for the worker."""
    steps: list[AfterSubmission] = [functools.partial(checks.run_checks, policy=policy)]
    if verifying:
        steps.append(verification.queue_after_submission)
    return tuple(steps)


def periodic_jobs(services: Services) -> tuple[Periodic, ...]:
    """:data:`PERIODIC_JOBS`, the retention purges (their ages and schedule from the settings)
    and the verification runs when an engine is configured."""
    jobs: list[Periodic] = [*PERIODIC_JOBS, retention_task(services)]
    if services.verification_engine is not None:
        job = VerificationJob(
            sessions=services.sessions,
            read_sessions=services.read_sessions,
            clock=services.clock,
            engine=services.verification_engine,
            auto_approve_low_risk=services.checks_policy.auto_approve_low_risk,
        )
        jobs.append(PeriodicTask("verification.run_due", 2, job.run_due))
    return tuple(jobs)


def retention_task(services: Services) -> PeriodicTask:
    """Every ``retention.PURGES`` kind, in batches of ``GANGWAY_RETENTION_BATCH_SIZE`` rows, every
    ``GANGWAY_RETENTION_INTERVAL_SECONDS`` (docs/operations.md, "Retention")."""
    settings = services.settings
    policy = retention.RetentionPolicy.from_settings(settings)
    task = BatchedPurgeTask(
        "retention.purge",
        services.sessions,
        [(kind, functools.partial(purge, policy=policy)) for kind, purge in retention.PURGES],
        batch_size=settings.retention_batch_size,
    )
    return PeriodicTask(task.name, settings.retention_interval_seconds, task.run)


def shared_limit_store(
    settings: Settings, clock: Callable[[], float] | None = None
) -> LimiterStore | None:
    """Where every process's limiters count together: Redis when ``GANGWAY_REDIS_URL`` is set,
    else PostgreSQL; ``None`` on SQLite (one process by design: each limiter counts in memory)."""
    if settings.redis_url:
        return RedisLimiterStore.from_url(
            settings.redis_url, prefix=settings.redis_key_prefix, clock=clock
        )
    if not settings.is_sqlite:
        return PostgresLimiterStore.for_settings(settings, clock=clock)
    return None


def staff_oidc_client(settings: Settings) -> OidcClient | None:
    """The back office's OpenID Connect client, if ``GANGWAY_STAFF_OIDC_ISSUER`` is set."""
    if not (settings.staff_oidc_issuer and settings.staff_oidc_client_id):
        return None
    return OidcClient(
        issuer=settings.staff_oidc_issuer,
        client_id=settings.staff_oidc_client_id,
        client_secret=settings.staff_oidc_client_secret,
        redirect_uri=settings.public_url.rstrip("/") + "/admin/sso/callback",
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sms_sender: SmsSender | None = None,
    webhook_sender: WebhookSender | None = None,
    rate_limiter: TokenBucket | None = None,
    verification_engine: VerificationEngine | None = None,
    limits_clock: Callable[[], float] | None = None,
    after_submission_hooks: Sequence[AfterSubmission] | None = None,
) -> Services:
    """Every adapter, chosen by ``settings``; a keyword argument replaces one port (tests).

    ``limits_clock`` (seconds) times every limiter instead of the store's own clock (this
    process's monotonic one, or the Redis or PostgreSQL server's): tests stop it.
    """
    secret_key = settings.resolved_secret_key()
    clock = clock or SystemClock()
    policy = checks.CheckPolicy(
        auto_approve_low_risk=settings.auto_approve_low_risk,
        country_risk_file=settings.country_risk_file,
    )
    verifier = verification_engine or engine_for(settings.verification_engine)
    verifying = verifier is not None
    engine = create_engine(settings)
    keyring = Keyring.from_secret(secret_key, settings.root_key_file)
    unit_of_work = {
        SUBSCRIBERS: event_subscribers(policy, verifying=verifying),
        KEYRING: keyring,
    }
    sessions = create_sessionmaker(engine, serialize_writes=settings.is_sqlite, info=unit_of_work)
    read_sessions = create_sessionmaker(
        engine.execution_options(gangway_read_only=True), info=unit_of_work
    )
    autocommit_reads = None
    if not settings.is_sqlite:
        autocommit_reads = create_sessionmaker(
            engine.execution_options(gangway_read_only=True, isolation_level="AUTOCOMMIT"),
            info=unit_of_work,
        )
    box = SecretBox(secret_key, keyring)
    shared = shared_limit_store(settings, limits_clock)

    def limits() -> LimiterStore:
        # In process, one store per limiter: one limiter's keys never push out another's.
        if shared is not None:
            return shared
        return InProcessLimiterStore(monotonic=limits_clock or time.monotonic)

    sender = webhook_sender or HttpxSender(
        allow_private=settings.webhook_allow_private_targets,
        max_connections=max(settings.worker_concurrency, 1),
    )

    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        read_sessions=read_sessions,
        autocommit_reads=autocommit_reads,
        clock=clock,
        secret_key=secret_key,
        keyring=keyring,
        signer=AccessTokenSigner(secret_key),
        rate_limiter=rate_limiter
        or TokenBucket(settings.rate_limit_per_second, store=limits(), name="api"),
        login_throttle=FailureThrottle(
            settings.login_failures_allowed,
            settings.login_failure_window_seconds,
            store=limits(),
            name="partner_login",
        ),
        idempotency=IdempotencyStore(
            sessions, read_sessions, Sealer(derive_key(secret_key, "idempotency"))
        ),
        flow_csrf=CsrfProtector(secret_key, "flow"),
        flow_post_limiter=FailureThrottle(
            settings.flow_posts_per_minute, 60, store=limits(), name="flow_posts"
        ),
        sms_sender=sms_sender or sms_sender_for(settings),
        after_submission=tuple(
            after_submission(policy, verifying=verifying)
            if after_submission_hooks is None
            else after_submission_hooks
        ),
        admin_csrf=CsrfProtector(secret_key, "admin"),
        staff_login_throttle=ProgressiveDelay(
            settings.staff_login_free_failures_per_email,
            settings.staff_login_max_delay_seconds,
            store=limits(),
            name="staff_login_email",
        ),
        staff_login_address_throttle=ProgressiveDelay(
            settings.staff_login_free_failures_per_address,
            settings.staff_login_max_delay_seconds,
            store=limits(),
            name="staff_login_address",
        ),
        staff_mfa_throttle=FailureThrottle(
            settings.login_failures_allowed,
            settings.login_failure_window_seconds,
            store=limits(),
            name="staff_mfa",
        ),
        staff_totp_sealer=Sealer(derive_key(secret_key, "staff-totp")),
        staff_oidc=staff_oidc_client(settings),
        staff_sso_sealer=Sealer(derive_key(secret_key, "staff-sso")),
        checks_policy=policy,
        verification_engine=verifier,
        shared_limits=shared,
        webhook_policy=WebhookPolicy(box=box, allow_private=settings.webhook_allow_private_targets),
        webhook_courier=delivery.Courier(
            sessions=sessions,
            # One statement per read: no BEGIN/COMMIT round trips where that is cheaper.
            read_sessions=autocommit_reads or read_sessions,
            clock=clock,
            sender=sender,
            box=box,
        ),
    )
