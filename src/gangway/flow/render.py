"""Page rendering: the Jinja2 environment, common page variables and the friendly error pages."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gangway.branding.service import FlowBranding
from gangway.errors import AppError
from gangway.flow import i18n
from gangway.kit.catalogues import N_

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SDK_PLATFORMS = ("ios", "android", "react-native")
LANG_COOKIE = "gangway_lang"


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(lang: str) -> Environment:
    """The Jinja2 environment of one language: ``_``, ``gettext`` and ``ngettext`` from the flow
    catalogue (new-style: ``_("Hello %(name)s", name=...)``, the values autoescaped)."""
    translator = i18n.translator(lang)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator.translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        countries=i18n.countries,
        choices=lambda field, _lang=lang: translator.choices(field),
        label=translator.label,
        languages=[(code, i18n.NAMES[code]) for code in i18n.LANGUAGES],
    )
    return env


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
    context.setdefault("branding", branding_of(request))
    if "partner_name" in context:
        context["partner_name"] = shown_name(request, context["partner_name"])
    html = (
        environment(lang).get_template(template).render(lang=lang, path=request.url.path, **context)
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


_SOMETHING_WRONG = N_("Something went wrong")


def _error_texts(error: AppError) -> tuple[str, str | None]:
    """The error page's title and text (``%(partner)s`` and ``%(ref)s`` are filled in)."""
    if error.code == "token_expired":
        return N_("This link has expired"), N_(
            "Ask %(partner)s for a new link to continue. What you entered is kept."
        )
    if error.code == "already_submitted":
        return N_("This onboarding was already submitted"), N_("You can close this window.")
    if error.code == "link_already_opened":
        return N_("This link was already opened on another device"), N_(
            "For your security a link works in one browser only. Ask %(partner)s for a new one; "
            "what you entered is kept."
        )
    if error.code == "invalid_public_key":
        return _SOMETHING_WRONG, N_("The app is not set up correctly (invalid public key).")
    if error.status == 403:
        return _SOMETHING_WRONG, N_(
            "The form expired or did not come from this page. Go back, reload and try again."
        )
    if error.status == 404:
        return _SOMETHING_WRONG, N_("This page does not exist.")
    if error.status == 413:
        return _SOMETHING_WRONG, N_("The file is too large (at most 10 MB).")
    if error.status == 429:
        return _SOMETHING_WRONG, N_(
            "Too many attempts in a short time. Wait a minute, then try again."
        )
    return _SOMETHING_WRONG, N_("Please try again in a moment. Reference: %(ref)s")


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
    # Translators: stands for the partner's name in "Ask %(partner)s for a new link" when the
    # link is unknown (so is the partner); it must fit where the name goes.
    partner = shown_name(request, state.get("flow_partner_name")) or t.gettext(
        "the company that sent you here"
    )
    html = (
        environment(lang)
        .get_template("error.html")
        .render(
            lang=lang,
            path=request.url.path,
            title=t.gettext(title),
            text=t.gettext(text, partner=partner, ref=reference) if text else None,
            platform=platform,
            bridge=bridge,
            partner_name=shown_name(request, state.get("flow_partner_name")),
            branding=branding_of(request),
        )
    )
    return HTMLResponse(html, status_code=error.status, headers=error.headers)
