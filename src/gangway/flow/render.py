"""Page rendering: the Jinja2 environment, common page variables and the friendly error pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gangway.branding.service import FlowBranding
from gangway.errors import AppError
from gangway.flow import i18n

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SDK_PLATFORMS = ("ios", "android", "react-native")
LANG_COOKIE = "gangway_lang"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(
    countries=i18n.countries,
    choices=i18n.choices,
    # Form field name -> the translation key of its label (where they differ).
    label_keys={"type": "document_type", "number": "document_number"},
)


def language(request: Request) -> str:
    return i18n.pick(
        request.headers.get("accept-language"),
        request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
    )


def branding_of(request: Request) -> FlowBranding | None:
    """The partner's branding, put on the request by the flow's dependency (``load_flow``)."""
    found = request.scope.get("state", {}).get("flow_branding")
    return found if isinstance(found, FlowBranding) else None


def shown_name(request: Request, partner_name: str | None) -> str | None:
    """The partner's display name when its branding sets one, else its name."""
    branding = branding_of(request)
    return branding.display_name if branding and branding.display_name else partner_name


def page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    t = i18n.translator(lang)
    other = "sv" if lang == "en" else "en"
    context.setdefault("branding", branding_of(request))
    if "partner_name" in context:
        context["partner_name"] = shown_name(request, context["partner_name"])
    html = env.get_template(template).render(
        t=t, lang=lang, other_lang=other, path=request.url.path, **context
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, path="/flow", httponly=True, samesite="lax"
        )
    return response


def bridge_message(
    status: str,
    *,
    flow: str,
    individual_id: str | None,
    error: dict[str, str] | None = None,
) -> str:
    """The JSON the bridge script posts to the native side (see docs/sdk-bridge.md)."""
    message: dict[str, Any] = {
        "type": "result",
        "status": status,
        "flow": flow,
        "individual_id": individual_id,
    }
    if error is not None:
        message["error"] = error
    return json.dumps(message, separators=(",", ":"))


def _error_texts(error: AppError) -> tuple[str, str | None]:
    if error.code == "token_expired":
        return "error_expired", "error_expired_text"
    if error.code == "already_submitted":
        return "error_submitted", "close_window"
    if error.code == "link_already_opened":
        return "error_opened", "error_opened_text"
    if error.code == "invalid_public_key":
        return "error_title", "error_key"
    if error.status == 403:
        return "error_title", "error_forbidden"
    if error.status == 404:
        return "error_title", "error_not_found"
    if error.status == 413:
        return "error_title", "error_too_large"
    if error.status == 429:
        return "error_title", "error_rate_limited"
    return "error_title", "error_generic"


def _domain(error: AppError) -> str:
    if error.code in ("token_expired", "already_submitted", "link_already_opened"):
        return "token_expired"
    if error.code == "invalid_public_key":
        return "invalid_public_key"
    return "unexpected_error"


def render_error(request: Request, error: AppError) -> Response:
    """The error page of ``/flow`` (listed in ``bootstrap.HTML_ERROR_PAGES``)."""
    lang = language(request)
    t = i18n.translator(lang)
    title, text = _error_texts(error)
    state = request.scope.get("state", {})
    platform = state.get("flow_platform")
    bridge = None
    if platform in SDK_PLATFORMS:
        bridge = bridge_message(
            "error",
            flow=state.get("flow_name", "onboarding"),
            individual_id=state.get("flow_individual_id"),
            error={"code": error.code, "domain": _domain(error), "description": error.message},
        )
    reference = state.get("request_id", "")
    partner = shown_name(request, state.get("flow_partner_name"))
    partner = partner or "the company that sent you here"
    html = env.get_template("error.html").render(
        t=t,
        lang=lang,
        other_lang="sv" if lang == "en" else "en",
        path=request.url.path,
        title=t(title),
        text=t(text, partner=partner, ref=reference) if text else None,
        platform=platform,
        bridge=bridge,
        partner_name=shown_name(request, state.get("flow_partner_name")),
        branding=branding_of(request),
    )
    return HTMLResponse(html, status_code=error.status, headers=error.headers)
