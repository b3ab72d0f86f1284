"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from binalert.runtime import Runtime


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for service in runtime.services:
            await service.start()
        try:
            yield
        finally:
            for service in reversed(runtime.services):
                await service.stop()

    app = FastAPI(title="binalert", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
