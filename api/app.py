"""The FastAPI application factory: routers, error handlers, background services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from api import errors, web
from api.routers import alerts, audit, bins, events, media, members, ops, webhooks
from binalert.alerts.preview import Preview
from binalert.ops import RuntimeCollector
from binalert.runtime import Runtime
from binalert.webhooks.service import install as install_webhook_hook

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

    install_webhook_hook()
    app = FastAPI(title="binalert", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.preview = preview = Preview(runtime.settings)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(
        RuntimeCollector(runtime, lambda: (preview.synth_count, preview.synth_seconds))
    )
    app.state.metrics = registry
    errors.install(app)
    for module in (ops, bins, members, alerts, events, media, webhooks, audit):
        app.include_router(module.router)
    web.mount(app)
    return app
