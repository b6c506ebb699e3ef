"""create_app(): middleware, error handlers, routers and static files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gangway import __version__
from gangway.auth.endpoints import router as auth_router
from gangway.auth.tokens import AccessTokenSigner
from gangway.config import Settings, get_settings
from gangway.events.endpoints import router as events_router
from gangway.individuals.endpoints import router as individuals_router
from gangway.kit.clock import Clock
from gangway.kit.ratelimit import FailureThrottle, TokenBucket
from gangway.web.errors import install_error_handlers
from gangway.web.idempotency import IdempotencyMiddleware
from gangway.web.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from gangway.web.runtime import Runtime
from gangway.web.system import router as system_router

API_DESCRIPTION = """
The Gangway partner API: register individuals, send them through the hosted onboarding flow, read
events and pending actions, and receive signed webhooks. Wire-compatible with the "3d" onboarding API.

Authenticate with `POST /v3/auth/login` and send `Authorization: Bearer <access_token>`.
Errors always have the body `{"error": {"code", "message", "details"?}}`.
"""

# Other packages add their routers and start/stop hooks here (see ``extend``).
Startup = Callable[[FastAPI, Runtime], Awaitable[None]]


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    run_worker: bool = False,
) -> FastAPI:
    settings = settings or get_settings()
    runtime = Runtime.build(settings, clock)
    runtime.extras["signer"] = AccessTokenSigner(runtime.secret_key)
    runtime.extras["rate_limiter"] = TokenBucket(settings.rate_limit_per_second)
    runtime.extras["login_throttle"] = FailureThrottle(
        settings.login_failures_allowed, settings.login_failure_window_seconds
    )
    runtime.extras["flow_post_limiter"] = FailureThrottle(settings.flow_posts_per_minute, 60)
    runtime.extras["run_worker"] = run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for start in app.state.on_start:
            await start(app, runtime)
        try:
            yield
        finally:
            for stop in reversed(app.state.on_stop):
                await stop(app, runtime)
            await runtime.engine.dispose()

    app = FastAPI(
        title="Gangway partner API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/v3/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        separate_input_output_schemas=False,
    )
    app.state.runtime = runtime
    app.state.on_start = []
    app.state.on_stop = []
    app.state.html_errors = {}

    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, json_limit=settings.json_body_limit, upload_limit=settings.upload_limit
    )
    app.add_middleware(SecurityHeadersMiddleware, https=settings.public_url_is_https)
    app.add_middleware(RequestContextMiddleware)

    app.include_router(system_router)
    app.include_router(auth_router)
    app.include_router(individuals_router)
    app.include_router(events_router)
    _mount_docs(app)
    for extend in _extensions():
        extend(app, runtime)
    return app


def _extensions() -> list[Callable[[FastAPI, Runtime], Any]]:
    """Feature packages that plug themselves in (webhooks, flow, back office...)."""
    return [_webhooks, _backoffice, _onboarding, _pending_actions]


def _webhooks(app: FastAPI, runtime: Runtime) -> None:
    from gangway.webhooks.wiring import install

    install(app, runtime)


def _onboarding(app: FastAPI, runtime: Runtime) -> None:
    from gangway.onboarding.wiring import install

    install(app, runtime)


def _pending_actions(app: FastAPI, runtime: Runtime) -> None:
    from gangway.pending_actions.wiring import install

    install(app, runtime)


def _mount_docs(app: FastAPI) -> None:
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/v3/docs/static", StaticFiles(directory=swagger_ui_path), name="swagger-static")

    @app.get("/v3/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/v3/openapi.json",
            title="Gangway partner API",
            swagger_js_url="/v3/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/v3/docs/static/swagger-ui.css",
            swagger_favicon_url="/v3/docs/static/favicon-32x32.png",
        )


def _backoffice(app: FastAPI, runtime: Runtime) -> None:
    from gangway.review.extension import install

    install(app, runtime)
