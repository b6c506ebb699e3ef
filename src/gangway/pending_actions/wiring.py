"""Plugs pending actions and consents into the app and the worker.

Importing this module registers the periodic expiry job; ``install`` adds the partner routers and
the sandbox simulations.
"""

from __future__ import annotations

from fastapi import FastAPI

from gangway.consents.endpoints import router as consents_router
from gangway.pending_actions.endpoints import router as pending_actions_router
from gangway.pending_actions.service import expire_due
from gangway.simulations.pending_actions import router as simulations_router
from gangway.web.runtime import Runtime
from gangway.worker.jobs import register_periodic

EXPIRY_INTERVAL_SECONDS = 60


def install(app: FastAPI, runtime: Runtime) -> None:
    app.include_router(pending_actions_router)
    app.include_router(consents_router)
    app.include_router(simulations_router)


register_periodic("pending_actions.expire", EXPIRY_INTERVAL_SECONDS, expire_due)
