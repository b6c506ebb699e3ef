"""Onboarding links: the pre-signed ``redirect_url``/``token`` a partner hands to its user.

Tokens are 256 random bits, stored only as SHA-256 hashes. Several live links may exist for one
individual; they all resume the same draft.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gangway.config import Settings
from gangway.errors import FieldError, Gone, ValidationFailed
from gangway.kit.ids import random_token, sha256_hex
from gangway.models import Individual, IndividualStatus, OnboardingLink

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL_LENGTH = 2048

EXPIRED_MESSAGE = "This link has expired"
SUBMITTED_MESSAGE = "This onboarding was already submitted"


class LinkExpired(Gone):
    code = "token_expired"
    default_message = EXPIRED_MESSAGE


class AlreadySubmitted(Gone):
    code = "already_submitted"
    default_message = SUBMITTED_MESSAGE


class LinkAlreadyOpened(Gone):
    """A link binds to the first browser that opens it: a forwarded or leaked copy opens nothing."""

    code = "link_already_opened"
    default_message = "This link was already opened on another device; ask for a new one."


def validate_return_url(url: str, settings: Settings, *, field: str = "return_url") -> str:
    """An absolute ``https`` URL (``http`` only to localhost/127.0.0.1 in sandbox), no fragment.
    Also the branding's support URL (``field`` names it in the error)."""

    def fail(message: str) -> ValidationFailed:
        return ValidationFailed(details=[FieldError(field, message)])

    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        raise fail(f"Give an absolute URL of at most {MAX_URL_LENGTH} characters.")
    if any(ord(c) < 0x21 or c in "\\<>\"'`" for c in text):
        raise fail("The URL contains characters that are not allowed.")
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        raise fail("The URL is not valid.") from None
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise fail("Give an absolute URL with a host and no credentials.")
    if parts.fragment:
        raise fail("The URL must not contain a fragment (#...).")
    local_http = parts.scheme == "http" and settings.is_sandbox and host in LOCAL_HOSTS
    if parts.scheme != "https" and not local_http:
        allowed = "https (or http to localhost in sandbox)" if settings.is_sandbox else "https"
        raise fail(f"The URL must use {allowed}.")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if "." not in host and host not in LOCAL_HOSTS:
            raise fail("The host must be a fully qualified domain name.") from None
    return text


def with_result(return_url: str, individual_id: str, status: str) -> str:
    """``return_url`` with ``individual_id`` and ``status`` appended to its query."""
    parts = urlsplit(return_url)
    extra = urlencode({"individual_id": individual_id, "status": status})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass(frozen=True)
class IssuedLink:
    link: OnboardingLink
    token: str
    redirect_url: str


async def issue(
    session: AsyncSession,
    individual: Individual,
    *,
    return_url: str | None,
    settings: Settings,
    now: datetime,
    flow: str = "onboarding",
) -> IssuedLink:
    token = random_token(32)
    link = OnboardingLink(
        token_hash=sha256_hex(token),
        individual_id=individual.id,
        partner_id=individual.partner_id,
        flow=flow,
        return_url=return_url,
        expires_at=now + timedelta(seconds=settings.onboarding_link_ttl),
        created_at=now,
    )
    session.add(link)
    await session.flush()
    redirect_url = f"{settings.public_url.rstrip('/')}/flow/start?{urlencode({'token': token})}"
    return IssuedLink(link, token, redirect_url)


async def resolve(
    session: AsyncSession, token: str, now: datetime
) -> tuple[OnboardingLink, Individual]:
    """The live link for ``token`` and its individual, or 410 (unknown, expired or submitted)."""
    if not token or len(token) > 200:
        raise LinkExpired()
    link = await session.scalar(
        select(OnboardingLink).where(OnboardingLink.token_hash == sha256_hex(token))
    )
    if link is None or link.expires_at <= now:
        raise LinkExpired()
    individual = await session.get(Individual, link.individual_id)
    if individual is None:
        raise LinkExpired()
    onboarding_link = link.consent_id is None  # a consent link's state is its consent's
    if onboarding_link and individual.status != IndividualStatus.onboarding_requested:
        if individual.status == IndividualStatus.pending_activation:
            raise LinkExpired()
        raise AlreadySubmitted()
    return link, individual
