"""Templates, the page renderer and the friendly error page for ``/admin``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gangway.errors import AppError
from gangway.kit import catalogues
from gangway.review.staff import SecondFactorDue, StaffContext

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
BACKOFFICE_DOMAIN = "backoffice"
BACKOFFICE_LANGUAGE = "en"


_translations = catalogues.translations(BACKOFFICE_DOMAIN, BACKOFFICE_LANGUAGE)


def _(message: str) -> str:
    """A back-office text from the catalogue (for Python code; templates call ``_`` too)."""
    return _translations.gettext(message)


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _age(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return "—"
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


templates.env.filters["when"] = _when
templates.env.filters["age"] = _age
templates.env.autoescape = True
# The back office is English only, but its texts go through the "backoffice" catalogue
# (src/gangway/locale/backoffice.pot) like the flow's, so a translation is a .po file away.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_translations(_translations, newstyle=True)  # type: ignore[attr-defined]


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    staff: StaffContext | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    services = request.app.state.services
    full = {
        "staff": staff,
        "csrf_token": services.admin_csrf.token_for(staff.session_key) if staff else "",
        "now": services.clock.now(),
        **context,
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)


def render_error(request: Request, error: AppError) -> Response:
    """The error page of ``/admin`` (``bootstrap.HTML_ERROR_PAGES``): a login redirect for 401, a
    friendly page otherwise (a session owing its second factor goes to the MFA page)."""
    if isinstance(error, SecondFactorDue):
        return RedirectResponse("/admin/mfa", status_code=303)
    if error.status == 401:
        target = "/admin/login"
        if request.method == "GET" and request.url.path not in ("/admin/login", "/admin/logout"):
            target += "?next=" + quote(request.url.path, safe="/")
        return RedirectResponse(target, status_code=303)
    staff = getattr(request.state, "staff", None)
    back = request.headers.get("referer") or ""
    return page(
        request,
        "error.html",
        {"error": error, "back": back if _same_site(request, back) else "/admin"},
        staff=staff,
        status_code=error.status,
        headers={k: v for k, v in error.headers.items() if k.lower() == "retry-after"},
    )


def _same_site(request: Request, url: str) -> bool:
    base = str(request.base_url).rstrip("/")
    return url.startswith(base + "/admin")


def cookie_flags(request: Request) -> dict[str, object]:
    """The staff cookies: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` behind https, /admin."""
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": request.app.state.services.settings.public_url_is_https,
        "path": "/admin",
    }


def safe_next(target: str | None) -> str:
    """Only back-office paths: never an open redirect."""
    if target and target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return "/admin"
