"""The SMS port: a ``Protocol`` with a console adapter (development), an HTTP adapter (a real
provider in live) and a fake for tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from gangway.config import ConfigurationError, Settings

log = logging.getLogger("gangway.sms")


class SmsError(RuntimeError):
    """The message could not be handed to the provider."""


class SmsSender(Protocol):
    async def send(self, phone_number: str, text: str) -> None: ...


class ConsoleSmsSender:
    """Development adapter: writes the message to the log instead of sending it.

    The only place an SMS text (a one-time code) is ever logged; chosen with
    ``GANGWAY_SMS_ADAPTER=console`` (or no SMS URL) and refused outside the sandbox.
    """

    async def send(self, phone_number: str, text: str) -> None:
        log.warning("SMS (console adapter, not sent) to +%s: %s", phone_number, text)


class HttpSmsSender:
    """POSTs ``{"to": "+<digits>", "text"}`` with a bearer token to the provider's URL."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    async def send(self, phone_number: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as http:
                response = await http.post(
                    self.url, json={"to": "+" + phone_number, "text": text}, headers=headers
                )
        except httpx.HTTPError as error:
            raise SmsError(f"SMS provider unreachable: {type(error).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise SmsError(f"SMS provider answered {response.status_code}")


@dataclass
class FakeSmsSender:
    """Test double: remembers what would have been sent."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    fail: bool = False

    async def send(self, phone_number: str, text: str) -> None:
        if self.fail:
            raise SmsError("fake failure")
        self.sent.append((phone_number, text))


def sms_sender_for(settings: Settings) -> SmsSender:
    """The adapter ``GANGWAY_SMS_ADAPTER`` names; the console one only in the sandbox."""
    if settings.resolved_sms_adapter == "http":
        if not settings.sms_http_url:
            raise ConfigurationError("GANGWAY_SMS_ADAPTER=http needs GANGWAY_SMS_HTTP_URL")
        return HttpSmsSender(settings.sms_http_url, settings.sms_http_token)
    if not settings.is_sandbox:
        # Settings refuse this at start-up; checked again so no path logs a code in live.
        raise ConfigurationError("The console SMS adapter is for the sandbox only.")
    return ConsoleSmsSender()
