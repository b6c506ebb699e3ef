"""The HTTP port for webhooks: a ``WebhookSender`` protocol and its httpx adapter.

The adapter resolves the host itself, checks every address (``targets.checked_addresses``) and
connects to the very address it checked, inside the connection pool's network backend. The URL,
the ``Host`` header and TLS SNI/certificate checks all keep the real host name, and no second DNS
lookup can swap in another address between the check and the connect (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import time
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpcore
import httpx

from gangway import __version__
from gangway.webhooks.targets import TargetRefused, checked_addresses, parse_target

SEND_TIMEOUT_SECONDS = 15.0
RESPONSE_BODY_LIMIT = 1024
USER_AGENT = f"Gangway-Webhooks/{__version__}"


class FailureKind(StrEnum):
    """Why an attempt failed (the ``kind`` label of the failure metric)."""

    http = "http"  # the receiver answered, but not 2xx
    network = "network"  # connection, TLS or timeout
    refused = "refused"  # the SSRF guard refused the target


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    duration_ms: int
    response_body: str | None
    failure: FailureKind | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult: ...

    async def aclose(self) -> None: ...


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address (never to a fresh lookup)."""

    def __init__(
        self, *, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.allow_private = allow_private
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, allow_private=self.allow_private)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("Unix sockets are not webhook targets.")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on :class:`GuardedBackend`."""

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )


class HttpxSender:
    """POSTs a webhook: 15 s overall, no redirects, no proxies from the environment."""

    def __init__(
        self,
        *,
        allow_private: bool,
        max_connections: int = 100,
        inner_backend: httpcore.AsyncNetworkBackend | None = None,
        timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        backend = GuardedBackend(allow_private=allow_private, inner=inner_backend)
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(backend, limits),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
        )

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            parse_target(url, allow_private=self.allow_private)
            async with asyncio.timeout(self.timeout):
                request_headers = {
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                }
                async with self._client.stream(
                    "POST", url, content=body, headers=request_headers
                ) as response:
                    prefix = b""
                    async for chunk in response.aiter_bytes():
                        prefix += chunk
                        if len(prefix) >= RESPONSE_BODY_LIMIT:
                            break
                    text = prefix[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace")
                    if 200 <= response.status_code < 300:
                        return SendResult(response.status_code, None, elapsed(), text or None)
                    return SendResult(
                        response.status_code,
                        f"HTTP {response.status_code}",
                        elapsed(),
                        text or None,
                        FailureKind.http,
                    )
        except TargetRefused as refused:
            return SendResult(None, f"Refused: {refused}", elapsed(), None, FailureKind.refused)
        except (TimeoutError, httpx.TimeoutException):
            timed_out = f"Timed out after {self.timeout:g} s"
            return SendResult(None, timed_out, elapsed(), None, FailureKind.network)
        except httpx.HTTPError as error:
            return SendResult(None, _describe(error), elapsed(), None, FailureKind.network)
        except OSError as error:
            text = f"Connection error: {error.strerror or error}"
            return SendResult(None, text, elapsed(), None, FailureKind.network)

    async def aclose(self) -> None:
        await self._client.aclose()


def _describe(error: httpx.HTTPError) -> str:
    kind = type(error).__name__
    text = str(error) or kind
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return f"TLS error: {text}"[:500]
    return f"{kind}: {text}"[:500]
