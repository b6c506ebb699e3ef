"""The partner's stylesheet and logo, served from our origin for the flow's pages.

Public (the pages that link them are): no cookie is needed, so the browser may cache them. Both
answer with a strong ``ETag`` and ``Cache-Control``; a matching ``If-None-Match`` gets a 304
without a body. The pages link them with ``?v=<version>``, so a change shows on the next page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gangway.branding import service as branding
from gangway.errors import NotFound
from gangway.kit.ids import parse_uuid
from gangway.web.deps import SessionDep

router = APIRouter(prefix="/flow/branding", include_in_schema=False)

CACHE_CONTROL = "public, max-age=3600"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def cached(request: Request, body: bytes, media_type: str) -> Response:
    etag = branding.etag_of(body)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/{partner_id}/style.css")
async def stylesheet(partner_id: str, request: Request, session: SessionDep) -> Response:
    """Public: the partner's overrides of flow.css (colour, logo, support line)."""
    parsed = parse_uuid(partner_id)
    row = await branding.get(session, parsed) if parsed else None
    if row is None:
        raise NotFound("No branding for this partner.")
    return cached(request, branding.stylesheet(row).encode(), "text/css; charset=utf-8")


@router.get("/{partner_id}/logo.png")
async def logo(partner_id: str, request: Request, session: SessionDep) -> Response:
    """Public: the partner's logo (a PNG we re-encoded)."""
    parsed = parse_uuid(partner_id)
    found = await branding.logo_of(session, parsed) if parsed else None
    if found is None:
        raise NotFound("No logo for this partner.")
    return cached(request, found[0], "image/png")
