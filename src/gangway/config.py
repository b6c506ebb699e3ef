"""Settings: the one place that reads the environment (prefix ``GANGWAY_``)."""

from __future__ import annotations

import os
import re
import secrets
import sys
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")
MIN_SECRET_LENGTH = 32
# Placeholders people paste from examples; a key containing one is not a random value.
KNOWN_DEFAULT_SECRETS = (
    "changeme",
    "change-me",
    "change_me",
    "replaceme",
    "replace-me",
    "yoursecret",
    "your-secret",
    "secretkey",
    "secret-key",
    "secret_key",
    "notsecret",
    "insecure",
    "password",
    "default",
)


def make_private_directory(path: Path) -> None:
    """Create ``path`` and any missing parent as 0700 (owner only); existing ones stay as they
    are. ``mkdir(mode=...)`` applies to the last directory only and is subject to the umask,
    hence each one explicitly."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        directory.chmod(0o700)


class Environment(StrEnum):
    sandbox = "sandbox"
    live = "live"


class ConfigurationError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or inconsistent."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GANGWAY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/gangway.db"
    public_url: str = "http://127.0.0.1:8000"
    environment: Environment = Environment.sandbox
    secret_key: str | None = None
    webhook_allow_private_targets: bool = False
    onboarding_link_ttl: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

    # Operational knobs beyond the spec's table.
    rate_limit_per_second: int = Field(default=100, ge=1)
    login_failures_allowed: int = Field(default=10, ge=1)
    login_failure_window_seconds: int = Field(default=300, ge=1)
    # Back-office logins: progressive delays, never a lock (see kit.ratelimit.ProgressiveDelay).
    # An address gets more free failures than an email: an office's staff may share one.
    staff_login_free_failures_per_email: int = Field(default=5, ge=1)
    staff_login_free_failures_per_address: int = Field(default=10, ge=1)
    staff_login_max_delay_seconds: int = Field(default=900, ge=1)
    json_body_limit: int = 1024 * 1024
    upload_limit: int = 10 * 1024 * 1024
    # Image decodes running at once per process (each can hold ~100 MB for a 25 MP photo).
    upload_decode_concurrency: int = Field(default=2, ge=1)
    # POSTs per flow session and minute on the hosted flow (uploads included); over it, 429.
    flow_posts_per_minute: int = Field(default=30, ge=1)
    database_pool_size: int = Field(default=10, ge=1)
    # Rate limits and login throttles shared by every process (see kit.ratelimit): in Redis when
    # this is set, else in PostgreSQL; on SQLite without Redis each process counts for itself.
    redis_url: str | None = None
    # Prepended to every Redis key (several deployments may share one Redis).
    redis_key_prefix: str = "gangway:limits:"
    log_level: str = "INFO"
    # "json" (production: one JSON object per line) or "console" (a short line a person reads);
    # unset: console when stderr is a terminal (``make run``), JSON otherwise.
    log_format: Literal["console", "json"] | None = None
    auto_approve_low_risk: bool = False
    # A JSON file replacing the shipped high-risk/prohibited country lists (see docs/back-office.md).
    country_risk_file: str | None = None
    worker_batch_size: int = Field(default=50, ge=1)
    worker_concurrency: int = Field(default=16, ge=1)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_lease_seconds: int = Field(default=60, ge=5)
    # Addresses of the load balancers whose X-Forwarded-For is trusted (comma-separated, or *).
    forwarded_allow_ips: str = "127.0.0.1"
    shutdown_drain_seconds: float = Field(default=3.0, ge=0, le=120)
    # console: the message (with its one-time code) goes to the log, never sent -- sandbox only.
    # http: POSTed to GANGWAY_SMS_HTTP_URL. Unset: http when that URL is set, else console.
    sms_adapter: Literal["console", "http"] | None = None
    # Identity verification: "builtin" (the self-hosted engine), "fake" (tests) or "off".
    verification_engine: Literal["builtin", "fake", "off"] = "builtin"
    # Tell the user at upload time that a photo is blurred, dark or shows glare. Unset: on in
    # live, off in sandbox (where any picture works as document and selfie).
    verification_upload_feedback: bool | None = None
    sms_http_url: str | None = None
    # Bearer token for /metrics on the main port; without one, /metrics there answers 404 in live
    # (use `gangway serve --metrics-port`) and stays open in the sandbox.
    metrics_token: str | None = None
    # Personal data: the root key wrapping the key-encryption keys comes from this file (32 bytes,
    # base64) when set, else it is derived from the secret key (docs/operations.md, Keys).
    root_key_file: Path | None = None
    # AML retention hold: a submitted individual's erasure waits this long after it is asked for,
    # unless a compliance officer approves it earlier (docs/privacy.md).
    redaction_retention_days: int = Field(default=5 * 365 + 1, ge=0)
    sms_http_token: str | None = None
    # Back-office staff: absolute session lifetime (besides the 30-minute idle timeout), the
    # second factor (TOTP or passkey) and single sign-on with the bank's OpenID Connect provider.
    staff_session_max_hours: int = Field(default=12, ge=1, le=7 * 24)
    staff_mfa: Literal["required", "optional"] = "required"
    staff_local_passwords: bool = True
    staff_oidc_issuer: str | None = None
    staff_oidc_client_id: str | None = None
    staff_oidc_client_secret: str | None = None
    staff_oidc_role_claim: str = "gangway_role"
    # Retention (docs/operations.md, "Retention"): how long what is no longer needed is kept.
    # Ages count from the last change (drafts), the upload (files), the expiry (links, sessions,
    # codes, consents, idempotency records) or the delivery (webhook response bodies).
    retention_interval_seconds: int = Field(default=3600, ge=60)
    retention_batch_size: int = Field(default=500, ge=1, le=10_000)
    retention_draft_days: int = Field(default=30, ge=1)
    retention_upload_days: int = Field(default=30, ge=1)
    retention_flow_session_days: int = Field(default=0, ge=0)
    retention_link_days: int = Field(default=30, ge=0)
    retention_phone_code_days: int = Field(default=1, ge=0)
    retention_consent_days: int = Field(default=30, ge=0)
    retention_webhook_response_days: int = Field(default=30, ge=0)
    retention_idempotency_hours: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check_live_secret(self) -> Settings:
        if self.environment is Environment.live:
            _check_secret_key(self.secret_key)
            if not self.public_url_is_https:
                raise ConfigurationError(
                    "GANGWAY_PUBLIC_URL must be an https:// URL when GANGWAY_ENVIRONMENT=live "
                    "(users enter personal data and cookies must be Secure)"
                )
            if self.sms_adapter == "console":
                raise ConfigurationError(
                    "GANGWAY_SMS_ADAPTER=console is for the sandbox only (it logs one-time "
                    "codes instead of sending them); use http when GANGWAY_ENVIRONMENT=live"
                )
            if not self.sms_http_url:
                raise ConfigurationError(
                    "GANGWAY_SMS_HTTP_URL must be set when GANGWAY_ENVIRONMENT=live "
                    "(the phone step sends one-time codes through the SMS provider)"
                )
        elif self.sms_adapter == "http" and not self.sms_http_url:
            raise ConfigurationError("GANGWAY_SMS_ADAPTER=http needs GANGWAY_SMS_HTTP_URL")
        return self

    @model_validator(mode="after")
    def _check_staff_sign_in(self) -> Settings:
        if self.staff_oidc_issuer and not self.staff_oidc_client_id:
            raise ConfigurationError(
                "GANGWAY_STAFF_OIDC_CLIENT_ID must be set with GANGWAY_STAFF_OIDC_ISSUER"
            )
        if not self.staff_local_passwords and not self.staff_oidc_issuer:
            raise ConfigurationError(
                "GANGWAY_STAFF_LOCAL_PASSWORDS=false needs GANGWAY_STAFF_OIDC_ISSUER: staff "
                "would have no way to sign in"
            )
        return self

    @property
    def staff_sso_enabled(self) -> bool:
        return bool(self.staff_oidc_issuer and self.staff_oidc_client_id)

    @property
    def logs_as_json(self) -> bool:
        if self.log_format is None:
            return not sys.stderr.isatty()
        return self.log_format == "json"

    @property
    def resolved_sms_adapter(self) -> Literal["console", "http"]:
        if self.sms_adapter is not None:
            return self.sms_adapter
        return "http" if self.sms_http_url else "console"

    @property
    def checks_photos_at_upload(self) -> bool:
        if self.verification_upload_feedback is None:
            return not self.is_sandbox and self.verification_engine != "off"
        return self.verification_upload_feedback

    @property
    def is_sandbox(self) -> bool:
        return self.environment is Environment.sandbox

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def public_url_is_https(self) -> bool:
        return self.public_url.startswith("https://")

    def resolved_secret_key(self) -> str:
        """The server secret; in sandbox one is generated into ``./var/`` on first use."""
        if self.secret_key:
            return self.secret_key
        path = VAR_DIR / "secret_key"
        if path.exists():
            return path.read_text().strip()
        make_private_directory(VAR_DIR)
        key = secrets.token_urlsafe(48)
        # Created 0600 (never readable by others, not even for a moment); O_EXCL: of two
        # processes starting at once, the second reads the first one's key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
        return key


def _check_secret_key(secret_key: str | None) -> None:
    """Refuse a live secret key that is missing, short, or not a random value."""
    advice = "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    if not secret_key or len(secret_key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "GANGWAY_SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters when GANGWAY_ENVIRONMENT=live {advice}"
        )
    lowered = secret_key.lower()
    if (
        len(set(secret_key)) < 10
        # One chunk repeated ("changemechangeme...", "abc123abc123...").
        or re.fullmatch(r"(.{1,16}?)\1+", lowered, flags=re.DOTALL)
        or any(placeholder in lowered for placeholder in KNOWN_DEFAULT_SECRETS)
    ):
        raise ConfigurationError(f"GANGWAY_SECRET_KEY is too weak: use a random value {advice}")


@lru_cache
def get_settings() -> Settings:
    return Settings()
