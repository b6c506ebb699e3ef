"""The one typed object a running Gangway holds: settings, database, clock and every port's adapter.

Only :func:`gangway.bootstrap.build_services` builds it; the app, the worker and the CLI all start
there. Tests build it the same way and pass fakes for the ports they swap
(``build_services(settings, clock=FrozenClock(), sms_sender=FakeSmsSender())``).

Domain packages never import this module: their dependencies read the one field they need from
``request.app.state.services``, and their services take plain arguments. Only the layers above the
domains (the hosted flow, the back office, the worker, the entry points) know the whole object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gangway.auth.tokens import AccessTokenSigner
from gangway.checks.runner import CheckPolicy
from gangway.config import Settings
from gangway.kit.clock import Clock
from gangway.kit.crypto import Sealer
from gangway.kit.keyring import Keyring
from gangway.kit.oidc import OidcClient
from gangway.kit.ratelimit import FailureThrottle, LimiterStore, ProgressiveDelay, TokenBucket
from gangway.onboarding.service import AfterSubmission
from gangway.onboarding.sms import SmsSender
from gangway.verification.port import VerificationEngine
from gangway.web.csrf import CsrfProtector
from gangway.web.idempotency import IdempotencyStore
from gangway.webhooks.delivery import Courier
from gangway.webhooks.service import Policy as WebhookPolicy


def _no_worker() -> None:
    """``wake_worker`` while no in-process worker runs."""


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    # Write transactions (SQLite: behind the write gate) and read-only ones (GET/HEAD).
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    secret_key: str
    # Envelope encryption of personal data (also in every session's info, models.sealed).
    keyring: Keyring
    # Partner API
    signer: AccessTokenSigner
    rate_limiter: TokenBucket
    login_throttle: FailureThrottle
    idempotency: IdempotencyStore
    # Hosted flow
    flow_csrf: CsrfProtector
    # POSTs per flow session per minute (a sliding window).
    flow_post_limiter: FailureThrottle
    sms_sender: SmsSender
    # What runs inside the submit transaction, in order (the automated checks).
    after_submission: tuple[AfterSubmission, ...]
    # Back office
    admin_csrf: CsrfProtector
    # Progressive delays after failed staff logins, per email and per client address.
    staff_login_throttle: ProgressiveDelay
    staff_login_address_throttle: ProgressiveDelay
    # Wrong second-factor codes, per account.
    staff_mfa_throttle: FailureThrottle
    # Seals the staff TOTP secrets at rest (key derived from the server secret, "staff-totp").
    staff_totp_sealer: Sealer
    # Single sign-on with the bank's OpenID Connect provider (None: not configured), and the key
    # sealing the short-lived cookie that carries state, nonce and PKCE verifier.
    staff_oidc: OidcClient | None
    staff_sso_sealer: Sealer
    checks_policy: CheckPolicy
    # Identity verification (``None`` when GANGWAY_VERIFICATION_ENGINE=off)
    verification_engine: VerificationEngine | None
    # Where the limiters above keep their counts when processes share them (Redis or
    # PostgreSQL); None: each limiter counts in this process (SQLite without Redis).
    shared_limits: LimiterStore | None
    # Webhooks
    webhook_policy: WebhookPolicy
    webhook_courier: Courier
    # Called after a commit that wrote webhook deliveries, so an in-process worker wakes at once
    # (set while the embedded worker runs).
    wake_worker: Callable[[], None] = field(default=_no_worker)
    # Set on SIGTERM: /readyz answers 503 while the server drains.
    draining: bool = False
    # Reads that need no snapshot across statements -- partner API GETs (GET /v3/...) and the
    # webhook courier's read -- on PostgreSQL in autocommit, without the BEGIN and COMMIT round
    # trips; None (SQLite): read_sessions.
    autocommit_reads: async_sessionmaker[AsyncSession] | None = None

    def stop_waking(self) -> None:
        self.wake_worker = _no_worker

    async def aclose(self) -> None:
        """Close the HTTP pool and the database engine (the app's and the CLI's last step)."""
        await self.webhook_courier.aclose()
        if self.shared_limits is not None:
            await self.shared_limits.aclose()
        await self.engine.dispose()
