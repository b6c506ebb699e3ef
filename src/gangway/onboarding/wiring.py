"""Plugs onboarding into the app: the partner endpoint, the hosted flow, its static files and
its HTML error pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gangway.onboarding.endpoints import router as onboard_router
from gangway.onboarding.flow import consent_passkey, passkey, render, routes
from gangway.onboarding.maintenance import purge_expired
from gangway.simulations.endpoints import router as simulations_router
from gangway.web.runtime import Runtime
from gangway.worker.jobs import register_periodic


def install(app: FastAPI, runtime: Runtime) -> None:
    app.include_router(onboard_router)
    app.include_router(simulations_router)  # answers 404 in live (router dependency)
    # Mounted before the step routes, whose "/flow/{flow}/{step}" would otherwise match first.
    app.mount("/flow/static", StaticFiles(directory=render.STATIC), name="flow-static")
    app.include_router(passkey.router)
    app.include_router(consent_passkey.router)
    app.include_router(routes.router)
    app.state.html_errors["/flow"] = render.render_error


register_periodic("onboarding.purge_expired", 3600, purge_expired)
