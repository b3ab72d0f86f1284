"""/health (liveness), /ready (database and every service connected), /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from binalert.ops import readiness

router = APIRouter(tags=["ops"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={503: {"description": "not ready: the body says what is missing"}},
)
async def ready(runtime: RuntimeDep) -> Any:
    ok, body = await run_in_threadpool(readiness, runtime)
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus metrics"}},
)
async def metrics(request: Request) -> Response:
    data = await run_in_threadpool(generate_latest, request.app.state.metrics)
    return Response(data, media_type=CONTENT_TYPE_LATEST)
