"""/health (liveness), /ready (database and every service connected), /metrics (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep
from api.security import address_in, networks
from binalert.auth.service import authenticate, require_role
from binalert.models import Role
from binalert.ops import readiness
from binalert.runtime import Runtime

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
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus metrics"},
        403: {"description": "not from BINALERT_METRICS_ALLOW and no admin token"},
    },
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """For the monitoring network (BINALERT_METRICS_ALLOW) or an admin token."""
    host = request.client.host if request.client is not None else None
    allowed = address_in(host, networks(runtime.settings.metrics_allow))
    if not allowed:
        raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        await run_in_threadpool(_require_admin, runtime, raw or None)
    data = await run_in_threadpool(generate_latest, request.app.state.metrics)
    return Response(data, media_type=CONTENT_TYPE_LATEST)


def _require_admin(runtime: Runtime, raw: str | None) -> None:
    with runtime.store.session() as session:
        require_role(authenticate(session, raw), Role.ADMIN)
