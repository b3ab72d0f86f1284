"""The FastAPI application factory: routers, error handlers, background services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from api import errors
from api.limits import BodyLimit
from api.routers import alerts, audit, bins, events, media, members, ops, recorded, webhooks
from api.routers import buddies as buddy_api
from api.routers import messages as message_api
from api.routers import zones as zone_api
from api.security import SecurityHeaders
from api.web import (
    accounts,
    calling_hours,
    follow_ups,
    home,
    reports,
    self_service,
    setup,
    signin,
    signup,
)
from api.web import alerts as alert_pages
from api.web import areas as area_pages
from api.web import buddies as buddy_pages
from api.web import members as member_pages
from api.web import messages as message_pages
from api.web import zones as zone_pages
from binalert.alerts.preview import Preview
from binalert.ops import RuntimeCollector
from binalert.runtime import Runtime

STATIC = Path(__file__).resolve().parent / "static"
API_ROUTERS = (
    ops,
    bins,
    members,
    alerts,
    recorded,
    events,
    media,
    webhooks,
    audit,
    message_api,
    zone_api,
    buddy_api,
)
PAGE_ROUTERS = (
    signin,
    setup,
    home,
    accounts,
    alert_pages,
    follow_ups,
    member_pages,
    reports,
    message_pages,
    zone_pages,
    calling_hours,
    area_pages,
    buddy_pages,
    self_service,
    signup,
)

DESCRIPTION = """Voice alerts for Belgian neighbourhood information networks (BIN).

Authenticate with `Authorization: Bearer <token>` (`binalert token create`).
Errors are JSON: `status`, `error` (a stable id), `message`, `error_id`, `details`.
Lists page with `?limit=&cursor=` and answer `{"items": [...], "next": cursor | null}`.
"""


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = []
        try:
            for service in runtime.services:
                await service.start()
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                await service.stop()

    app = FastAPI(
        title="binalert", version=version("binalert"), description=DESCRIPTION, lifespan=lifespan
    )
    app.state.runtime = runtime
    app.state.preview = preview = Preview(runtime.speech)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(
        RuntimeCollector(runtime, lambda: (preview.synth_count, preview.synth_seconds))
    )
    app.state.metrics = registry
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, tiles_url=runtime.settings.map_tiles_url)
    errors.install(app)
    for module in (*API_ROUTERS, *PAGE_ROUTERS):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
