"""create_app(): middleware, error handlers, and what ``gangway.bootstrap`` lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gangway import __version__, bootstrap
from gangway.config import Settings, get_settings
from gangway.events.schemas import webhooks_section
from gangway.kit.clock import Clock
from gangway.services import Services
from gangway.web.errors import install_error_handlers
from gangway.web.idempotency import IdempotencyMiddleware
from gangway.web.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from gangway.web.openapi import install_openapi
from gangway.worker.main import RunningWorker, start_worker, stop_worker

API_DESCRIPTION = """
The Gangway partner API: register individuals, send them through the hosted onboarding flow, read
events and pending actions, and receive signed webhooks. Wire-compatible with the "3d" onboarding API.

Authenticate with `POST /v3/auth/login` and send `Authorization: Bearer <access_token>`.
Errors always have the body `{"error": {"code", "message", "details"?}}`: 400 `validation_error`
for invalid input, 422 `request_blocked` only when the object's state forbids the request.
Ids are UUIDs; an unknown one (or another partner's) is a 404. The events delivered to webhook
endpoints are described in the `webhooks` section, signed with Standard Webhooks.
"""


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    run_worker: bool = False,
    services: Services | None = None,
) -> FastAPI:
    """The ASGI app over ``services`` (built from ``settings`` when not given). ``run_worker``
    starts the webhook delivery loop and the periodic jobs with the app (``gangway serve``)."""
    if services is None:
        services = bootstrap.build_services(settings or get_settings(), clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_worker:
            app.state.worker = await start_worker(services, bootstrap.periodic_jobs(services))
        try:
            yield
        finally:
            running: RunningWorker | None = app.state.worker
            if running is not None:
                await stop_worker(services, running)
                app.state.worker = None
            await services.aclose()

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
    app.state.services = services
    app.state.worker = None
    app.state.html_errors = bootstrap.HTML_ERROR_PAGES

    install_error_handlers(app, idempotency=services.idempotency)
    app.add_middleware(
        IdempotencyMiddleware,
        store=services.idempotency,
        verifier=services.signer,
        clock=services.clock,
    )
    settings = services.settings
    app.add_middleware(
        BodyLimitMiddleware, json_limit=settings.json_body_limit, upload_limit=settings.upload_limit
    )
    app.add_middleware(SecurityHeadersMiddleware, https=settings.public_url_is_https)
    app.add_middleware(RequestContextMiddleware)

    for route in bootstrap.ROUTES:
        if isinstance(route, bootstrap.StaticFiles):
            app.mount(route.path, StaticFiles(directory=route.directory), name=route.name)
        else:
            app.include_router(route)
    install_openapi(app, webhooks=webhooks_section)
    _mount_docs(app)
    return app


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
