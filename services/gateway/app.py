"""The gateway: HTTP API, OpenAPI docs, server-sent events. `uvicorn services.gateway.app:app`."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from prometheus_client import make_asgi_app

from shared.db.models import Role
from shared.db.session import session_scope
from shared.logging import configure_logging
from shared.reaper import reaper_loop
from shared.settings import get_settings

from services.gateway import errors
from services.gateway.auth import ensure_key
from services.gateway.celery_client import get_celery
from services.gateway.guard import RequestGuard
from services.gateway.mcp import endpoint as mcp_endpoint
from services.gateway.runs_service import resume_stalled
from services.gateway.routes import config as config_routes
from services.gateway.routes import events, health, intents, keys, me, runs, validate, webhooks
from services.gateway.routes import graph as graph_routes
from services.gateway.routes import knowledge as knowledge_routes

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    configure_logging()
    settings = get_settings()
    if settings.bootstrap_admin_key is not None:
        with session_scope() as session:
            ensure_key(session, "bootstrap-admin", Role.admin, settings.bootstrap_admin_key.get_secret_value())
    try:  # runs recorded by a gateway that died before queueing them
        with session_scope() as session:
            resume_stalled(session, get_celery())
    except Exception as exc:  # noqa: BLE001 - a store outage must not stop the gateway; the reaper loop retries
        log.warning("resuming stalled runs at start failed (%s: %s); the reaper retries every tick",
                    type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    reaper = asyncio.create_task(reaper_loop(get_celery()))  # expired leases, ended chains, the outbox
    try:
        async with mcp_endpoint.endpoint.running():  # the MCP session manager lives as long as the app
            yield
    finally:
        reaper.cancel()


def create_app() -> FastAPI:
    app = FastAPI(
        title="MCP Cloud",
        version="0.1.0",
        description="The internal MCP server: requests become guarded, approved infrastructure changes.",
        lifespan=lifespan,
    )
    errors.install(app)  # one documented ErrorBody for every error (services/gateway/errors.py)
    app.add_middleware(RequestGuard, openapi=lambda: app.openapi())  # NUL/surrogates, body size
    app.include_router(health.router)
    app.include_router(runs.router)
    app.include_router(events.router)
    app.include_router(keys.router)
    app.include_router(config_routes.router)
    app.include_router(validate.router)
    app.include_router(me.router)
    app.include_router(intents.router)
    app.include_router(webhooks.router)
    app.include_router(knowledge_routes.router)
    app.include_router(graph_routes.router)
    mcp_endpoint.mount(app)

    app.mount("/metrics", make_asgi_app())

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app


app = create_app()
