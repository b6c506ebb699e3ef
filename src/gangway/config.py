"""Settings: the one place that reads the environment (prefix ``GANGWAY_``)."""

from __future__ import annotations

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
    json_body_limit: int = 1024 * 1024
    upload_limit: int = 10 * 1024 * 1024
    database_pool_size: int = Field(default=10, ge=1)
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
    sms_http_url: str | None = None
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

    @model_validator(mode="after")
    def _check_live_secret(self) -> Settings:
        if self.environment is Environment.live:
            if not self.secret_key or len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ConfigurationError(
                    "GANGWAY_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters when GANGWAY_ENVIRONMENT=live "
                    "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if len(set(self.secret_key)) < 10:
                raise ConfigurationError("GANGWAY_SECRET_KEY is too weak: use a random value")
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
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
