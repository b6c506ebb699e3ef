"""Live mode refuses unsafe configuration at start-up, and SMS texts (one-time codes) are never
logged outside the sandbox's console adapter."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from gangway.config import ConfigurationError, Settings
from gangway.onboarding.sms import ConsoleSmsSender, HttpSmsSender, sms_sender_for

STRONG = "kQ3v8Zr1_xW9mTn4LpA7eYc2HsJ6dGf0bUoRiVtN5qEwXy"
LIVE: dict[str, Any] = {
    "environment": "live",
    "secret_key": STRONG,
    "public_url": "https://onboarding.bank.example",
    "sms_http_url": "https://sms.example/send",
}


def test_a_safe_live_configuration_starts_with_the_http_sms_adapter() -> None:
    settings = Settings(**LIVE)
    assert isinstance(sms_sender_for(settings), HttpSmsSender)
    assert isinstance(sms_sender_for(Settings(**LIVE, sms_adapter="http")), HttpSmsSender)


def test_live_without_an_sms_provider_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="GANGWAY_SMS_HTTP_URL must be set"):
        Settings(**{**LIVE, "sms_http_url": None})


def test_live_refuses_the_console_sms_adapter() -> None:
    with pytest.raises(ConfigurationError, match="GANGWAY_SMS_ADAPTER=console is for the sandbox"):
        Settings(**LIVE, sms_adapter="console")


@pytest.mark.parametrize("url", ["http://onboarding.bank.example", "onboarding.bank.example"])
def test_live_refuses_a_public_url_that_is_not_https(url: str) -> None:
    with pytest.raises(ConfigurationError, match="GANGWAY_PUBLIC_URL must be an https"):
        Settings(**{**LIVE, "public_url": url})


@pytest.mark.parametrize(
    "secret",
    [
        "changeme" * 4,
        "secret" * 6,
        "abc123" * 6,
        "0123456789abcdef" * 2,
        "please-changeme-before-going-to-production-0123",
        "our-production-secret-key-2026-abcdefghij",
        "NotASecretReallyDefaultValue-0123456789xyz",
    ],
)
def test_live_refuses_well_known_or_patterned_secret_keys(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="GANGWAY_SECRET_KEY is too weak"):
        Settings(**{**LIVE, "secret_key": secret})


def test_the_sandbox_keeps_its_console_adapter_and_needs_a_url_for_http() -> None:
    assert isinstance(sms_sender_for(Settings()), ConsoleSmsSender)
    assert isinstance(sms_sender_for(Settings(sms_adapter="console")), ConsoleSmsSender)
    with pytest.raises(ConfigurationError, match="GANGWAY_SMS_ADAPTER=http needs"):
        Settings(sms_adapter="http")


def test_no_path_builds_the_console_adapter_outside_the_sandbox() -> None:
    # Settings that skipped validation still cannot log codes in live.
    unchecked = Settings.model_construct(**{**LIVE, "sms_http_url": None, "sms_adapter": None})
    with pytest.raises(ConfigurationError, match="sandbox only"):
        sms_sender_for(unchecked)


async def test_a_failing_provider_logs_no_sms_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sender = sms_sender_for(Settings(**{**LIVE, "sms_http_url": "http://127.0.0.1:9/none"}))
    with pytest.raises(Exception, match="SMS provider"):
        await sender.send("46701234567", "Your Gangway code is 481516")
    assert "481516" not in caplog.text
