"""Where webhooks may go: URL rules and the SSRF guard (checked at registration and every send).

A target is refused when it is not ``https`` or when its host is, or resolves to, an address that
is not globally routable: loopback, private (RFC 1918, ULA), link-local (which covers the cloud
metadata address 169.254.169.254), CGNAT, multicast, reserved or unspecified. Setting
``GANGWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts both rules for local development and tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
RESOLVE_TIMEOUT_SECONDS = 5.0
# What the partner is told for a host that does not resolve or resolves to a non-public address:
# the same words for both, and never the addresses, so the API cannot be used to read our DNS
# (internal names, which exist, what they point at). The log keeps the detail for operators.
NOT_PUBLIC = "The host does not resolve to a public address."

log = logging.getLogger("gangway.webhooks.targets")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL or the address it resolves to is not an allowed webhook destination."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # without brackets for IPv6 literals
    port: int


def parse_target(url: str, *, allow_private: bool) -> Target:
    """Check the shape of a webhook URL (no DNS); raises :class:`TargetRefused` with a reason."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise TargetRefused("The URL must be ASCII without spaces (use punycode for the host).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("The URL is not valid.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise TargetRefused("The URL must start with https://.")
    if scheme == "http" and not allow_private:
        raise TargetRefused("The URL must use https.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("The URL must not contain credentials.")
    if parts.fragment:
        raise TargetRefused("The URL must not contain a fragment (#...).")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("The URL has no host.")
    if port == 0:
        raise TargetRefused("The URL has an invalid port.")
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80))


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_allowed(address: IPAddress) -> bool:
    """True for globally routable unicast addresses only."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return address_allowed(mapped)
        if address.teredo is not None:
            return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_private
        and not address.is_unspecified
    )


async def resolve(
    host: str, port: int, limit_seconds: float = RESOLVE_TIMEOUT_SECONDS
) -> list[IPAddress]:
    """All addresses ``host`` resolves to (a literal resolves to itself)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(limit_seconds):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as error:
        log.info("webhook host not resolved", extra={"host": host, "error": type(error).__name__})
        raise TargetRefused(NOT_PUBLIC) from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        log.info("webhook host resolved to nothing", extra={"host": host})
        raise TargetRefused(NOT_PUBLIC)
    return addresses


async def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """Resolve ``host`` and refuse it if any address is not allowed.

    Every address must pass, not just one: a name that resolves to both a public and a private
    address is refused, so the choice of address cannot be steered.
    """
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not address_allowed(address):
                log.info(
                    "webhook host refused: not a public address",
                    extra={"host": host, "address": str(address)},
                )
                raise TargetRefused(NOT_PUBLIC)
    return addresses


async def check_target(url: str, *, allow_private: bool) -> Target:
    """Registration-time check: URL shape, then the addresses the host resolves to now."""
    target = parse_target(url, allow_private=allow_private)
    if not allow_private:
        await checked_addresses(target.host, target.port, allow_private=False)
    return target
