"""Plugs the back office into the app: routers, static files, the HTML error page, the checks."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gangway.checks import runner
from gangway.events import service as events
from gangway.kit.ratelimit import ProgressiveDelay
from gangway.onboarding import hooks
from gangway.review import admin, pages, pending
from gangway.review.web import HERE, render_error
from gangway.simulations import status as status_simulation
from gangway.web.runtime import Runtime


def install(app: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings
    runtime.extras["staff_login_throttle"] = ProgressiveDelay(
        settings.staff_login_free_failures_per_email, settings.staff_login_max_delay_seconds
    )
    runtime.extras["staff_login_address_throttle"] = ProgressiveDelay(
        settings.staff_login_free_failures_per_address, settings.staff_login_max_delay_seconds
    )
    runner.set_policy(
        runtime.engine,
        runner.CheckPolicy(
            auto_approve_low_risk=settings.auto_approve_low_risk,
            country_risk_file=settings.country_risk_file,
        ),
    )
    hooks.register_after_submission(runner.run_checks)
    events.subscribe(runner.auto_approve)
    app.mount("/admin/static", StaticFiles(directory=str(HERE / "static")), name="admin-static")
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(pending.router)
    app.include_router(status_simulation.router)
    app.state.html_errors["/admin"] = render_error
