"""Police pages: send an alert (form, preview with audio, confirm), follow it live, cancel it."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.routers.media import preview_of
from api.web import alert_form
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.render import page, redirect
from api.web.sealing import seal, unseal
from binalert.alerts import service as alerts
from binalert.alerts.preview import Preview
from binalert.alerts.schemas import AlertCreate, AlertDetail, DeliveryOut
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import service as bins
from binalert.errors import Invalid, NotFound
from binalert.models import OPEN_DELIVERY_STATUSES, AlertStatus, Language, Role
from binalert.paging import PageRequest
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DRAFT = "alert-draft"
DRAFT_MAX_AGE = 3600
MAX_ROWS = 1000


def _form(request: Request, caller: Caller, runtime: Runtime, **context: Any) -> Response:
    require_role(caller.principal, Role.POLICE)
    with runtime.store.session() as db:
        zone_bins = bins.list_bins(db, caller, PageRequest(limit=200)).items
    context.setdefault("values", {"source": "suspect_vehicle", "bin_ids": []})
    status = 422 if context.get("errors") else 200
    return page(request, "alert_form.html", status, bins=zone_bins, **context)


@router.get("/alerts/new")
def new_alert(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    return _form(request, caller, runtime)


@router.post("/alerts/preview", dependencies=[Csrf])
async def preview_alert(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    values = alert_form.values_of(await request.form())
    data, errors = alert_form.parse(values)
    if data is None:
        return _form(request, caller, runtime, values=values, errors=errors)
    try:
        with runtime.store.session() as db:
            draft = alerts.draft(db, caller, data)
    except Invalid as error:
        return _form(request, caller, runtime, values=values, errors=[error.message])
    token = seal(
        runtime.settings,
        DRAFT,
        {"alert": data.model_dump(mode="json"), "form": values, "key": secrets.token_hex(12)},
    )
    return page(request, "alert_preview.html", draft=draft, data=data, token=token)


def _draft(runtime: Runtime, token: str) -> dict[str, Any]:
    found = unseal(runtime.settings, DRAFT, token, DRAFT_MAX_AGE)
    if found is None:
        raise Invalid("this preview has expired; prepare the alert again")
    return found


@router.post("/alerts/edit", dependencies=[Csrf])
def edit_alert(
    request: Request, caller: WebCaller, runtime: RuntimeDep, draft: Annotated[str, Form()]
) -> Response:
    return _form(request, caller, runtime, values=_draft(runtime, draft)["form"])


def _render_draft(
    runtime: Runtime, preview: Preview, caller: Caller, data: AlertCreate, language: str
) -> Path:
    with runtime.store.session() as db:
        messages = alerts.draft(db, caller, data).messages
        texts = preview.draft_texts(db, data.bin_ids, messages, language)
    return preview.render(texts, language)


@router.get("/alerts/preview-audio/{language}")
async def preview_audio(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    language: Language,
    draft: Annotated[str, Query(max_length=20000)],
) -> FileResponse:
    data = AlertCreate.model_validate(_draft(runtime, draft)["alert"])
    path = await run_in_threadpool(
        _render_draft, runtime, preview_of(request), caller, data, language.value
    )
    return FileResponse(path, media_type="audio/wav")


@router.post("/alerts", dependencies=[Csrf])
def send_alert(
    request: Request, caller: WebCaller, runtime: RuntimeDep, draft: Annotated[str, Form()]
) -> Response:
    found = _draft(runtime, draft)
    data = AlertCreate.model_validate(found["alert"])
    key = f"web-{found['key']}"
    try:
        with runtime.store.session() as db:
            alert, _created = alerts.create(db, caller, data, key, runtime.settings)
    except IntegrityError:  # the same confirmation twice at once: one alert
        with runtime.store.session() as db:
            earlier = alerts.existing_for_key(db, caller, key)
        if earlier is None:
            raise
        return redirect(request, f"/alerts/{earlier.id}")
    return redirect(request, f"/alerts/{alert.id}")


def _live(runtime: Runtime, caller: Caller, alert_id: int) -> dict[str, Any]:
    require_role(caller.principal, Role.POLICE)
    rows: list[DeliveryOut] = []
    with runtime.store.session() as db:
        alert: AlertDetail = alerts.get(db, caller, alert_id, runtime.settings)
        request = PageRequest(limit=200)
        while len(rows) < MAX_ROWS:
            found = alerts.deliveries(db, caller, alert_id, request)
            rows += found.items
            if found.next is None or not found.items:
                break
            request = PageRequest(limit=200, after_id=found.items[-1].id)
    stats = alert.stats
    by_status = stats.by_status
    final = alert.status != AlertStatus.ACTIVE.value and not any(
        by_status.get(s.value, 0) for s in OPEN_DELIVERY_STATUSES
    )
    return {"alert": alert, "stats": stats, "by_status": by_status, "rows": rows, "final": final}


@router.get("/alerts/{alert_id}")
def live_page(request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id) -> Response:
    return page(request, "alert_live.html", **_live(runtime, caller, alert_id))


@router.get("/alerts/{alert_id}/live")
def live_fragment(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    return page(request, "alert_live_body.html", **_live(runtime, caller, alert_id))


@router.get("/alerts/{alert_id}/cancel")
def cancel_form(request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id) -> Response:
    require_role(caller.principal, Role.POLICE)
    with runtime.store.session() as db:
        alert = alerts.get(db, caller, alert_id, runtime.settings)
    if alert.status != AlertStatus.ACTIVE.value:
        raise NotFound(f"alert {alert_id} is already {alert.status}")
    return page(request, "alert_cancel.html", alert=alert)


@router.post("/alerts/{alert_id}/cancel", dependencies=[Csrf])
def cancel(request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id) -> Response:
    with runtime.store.session() as db:
        alerts.cancel(db, caller, alert_id, runtime.settings)
    return redirect(request, f"/alerts/{alert_id}")
