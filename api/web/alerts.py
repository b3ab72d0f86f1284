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
from api.web import alert_form, alert_recordings
from api.web.follow_ups import follow_links
from api.web.guard import Csrf, SignedIn, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from api.web.sealing import seal, unseal
from binalert.alerts import recorded
from binalert.alerts import service as alerts
from binalert.alerts.preview import Preview
from binalert.alerts.schemas import AlertCreate, AlertDetail, DeliveryOut
from binalert.alerts.spoken import recording_key
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import areas
from binalert.bins import service as bins
from binalert.bins.geo import DEFAULT_RADIUS_M, DEFAULT_WIDTH_M
from binalert.buddies import view as buddies_view
from binalert.errors import Invalid, NotFound, Unavailable
from binalert.models import OPEN_DELIVERY_STATUSES, AlertStatus, Language, Role
from binalert.ops import calls_held
from binalert.paging import PageRequest
from binalert.runtime import Runtime
from tts import CALL_LIMIT_S, SpeechPath

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DRAFT = "alert-draft"
DRAFT_MAX_AGE = 3600
MAX_ROWS = 1000


def map_context(runtime: Runtime) -> dict[str, str]:
    """What every map on the pages needs: its tiles (none: vector layers only)."""
    settings = runtime.settings
    return {"tiles": settings.map_tiles_url, "attribution": settings.map_tiles_attribution}


def _form(request: Request, caller: Caller, runtime: Runtime, **context: Any) -> Response:
    require_role(caller.principal, Role.POLICE)
    context.setdefault(
        "values",
        {
            "source": "suspect_vehicle",
            "bin_ids": [],
            "vehicle": "car",
            "who": "person",
            "radius_m": str(DEFAULT_RADIUS_M),
            "route_width_m": str(DEFAULT_WIDTH_M),
        },
    )
    where, errors = alert_form.place_of(context["values"])
    with runtime.store.session() as db:
        zone_bins = bins.list_bins(db, caller, PageRequest(limit=200)).items
        proposed = areas.targets(db, caller, where) if where is not None else None
    shown = list(context.get("errors") or [])
    if errors:  # the place's own errors, once (a refused preview names them already)
        context["errors"] = shown + [e for e in errors if e not in shown]
    if proposed is not None:  # the place's BINs above, the others of the zone below
        near = {b.id for b in proposed.bins}
        zone_bins = [b for b in zone_bins if b.id not in near]
    context |= alert_recordings.form_context(runtime.settings, context.pop("kept", {}))
    status = 422 if context.get("errors") else 200
    return page(
        request,
        "alert_form.html",
        status,
        bins=zone_bins,
        proposed=proposed,
        map=map_context(runtime),
        **context,
    )


@router.get("/alerts/new")
def new_alert(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    return _form(request, caller, runtime)


@router.post("/alerts/nearby", dependencies=[SignedIn, Csrf])
async def nearby_bins(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    """The form again, with the BINs near its place proposed (all ticked) and its other values
    kept: a click on the map, or the coordinates typed and this button."""
    form = await request.form()
    values = alert_form.values_of(form)
    kept = alert_recordings.kept_of(runtime.settings, form)
    where, errors = alert_form.place_of(values)
    if where is not None:
        with runtime.store.session() as db:
            found = areas.targets(db, caller, where)
        earlier = set(values["proposed"])
        chosen = [b for b in values["bin_ids"] if b not in earlier]  # ticked by hand
        values["bin_ids"] = chosen + [str(b.id) for b in found.bins]
        values["proposed"] = [str(b.id) for b in found.bins]
    elif not errors:
        errors = [N_("Click the map or type the latitude and longitude first.")]
    return _form(request, caller, runtime, values=values, errors=errors, kept=kept)


@router.post("/alerts/preview", dependencies=[SignedIn, Csrf])
async def preview_alert(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    form = await request.form()
    values = alert_form.values_of(form)
    kept = alert_recordings.kept_of(runtime.settings, form)
    uploads = await alert_form.uploads_of(form)
    data, errors = alert_form.parse(values, [*uploads, *kept])
    if data is None:
        return _form(request, caller, runtime, values=values, errors=errors, kept=kept)
    try:
        with runtime.store.session() as db:
            draft = alerts.draft(db, caller, data, runtime.settings)
        sounds = runtime.settings.sounds_dir
        made = await run_in_threadpool(recorded.convert_all, uploads, sounds)
    except (Invalid, recorded.TooLarge, recorded.NotAudio, recorded.Busy) as error:
        return _form(request, caller, runtime, values=values, errors=[error.message], kept=kept)
    recordings = kept | made.keys
    found = {
        "alert": data.model_dump(mode="json"),
        "form": values,
        "key": secrets.token_hex(12),
        "recordings": recordings,
    }
    token = seal(runtime.settings, DRAFT, found)
    shown = alert_recordings.preview_context(runtime.settings, recordings)
    seconds = await run_in_threadpool(
        _call_seconds, runtime, preview_of(request), caller, found, list(draft.messages)
    )
    return page(
        request,
        "alert_preview.html",
        draft=draft,
        data=data,
        token=token,
        call_seconds=seconds,
        call_limit=CALL_LIMIT_S,
        **shown,
    )


def _draft(runtime: Runtime, token: str) -> dict[str, Any]:
    found = unseal(runtime.settings, DRAFT, token, DRAFT_MAX_AGE)
    if found is None:
        raise Invalid("this preview has expired; prepare the alert again")
    return found


@router.post("/alerts/edit", dependencies=[Csrf])
def edit_alert(
    request: Request, caller: WebCaller, runtime: RuntimeDep, draft: Annotated[str, Form()]
) -> Response:
    found = _draft(runtime, draft)
    kept = found.get("recordings") or {}
    return _form(request, caller, runtime, values=found["form"], kept=kept)


def _render_draft(
    runtime: Runtime, preview: Preview, caller: Caller, found: dict[str, Any], language: str
) -> Path:
    data = AlertCreate.model_validate(found["alert"])
    with runtime.store.session() as db:
        messages = alerts.draft(db, caller, data, runtime.settings, sms_too=False).messages
        texts = preview.draft_texts(db, data.bin_ids, messages, language)
    key = recording_key(messages, found.get("recordings"), language)
    return preview.render(texts, language, key)


def _call_seconds(
    runtime: Runtime, preview: Preview, caller: Caller, found: dict[str, Any], languages: list[str]
) -> dict[str, float]:
    """How long the first audio of a call (introduction, message, keys) lasts per language;
    rendering it here also readies what the page's players fetch."""
    seconds: dict[str, float] = {}
    for language in languages:
        try:
            path = _render_draft(runtime, preview, caller, found, language)
        except Unavailable:
            continue  # the player says so when it fetches the audio
        seconds[language] = round(SpeechPath(path).duration_s)
    return seconds


@router.get("/alerts/preview-audio/{language}")
async def preview_audio(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    language: Language,
    draft: Annotated[str, Query(max_length=20000)],
) -> FileResponse:
    found = _draft(runtime, draft)
    path = await run_in_threadpool(
        _render_draft, runtime, preview_of(request), caller, found, language.value
    )
    return FileResponse(path, media_type="audio/wav")


@router.post("/alerts", dependencies=[Csrf])
def send_alert(
    request: Request, caller: WebCaller, runtime: RuntimeDep, draft: Annotated[str, Form()]
) -> Response:
    found = _draft(runtime, draft)
    data = AlertCreate.model_validate(found["alert"])
    key = f"web-{found['key']}"
    recordings = found.get("recordings") or {}
    alert_recordings.seconds(runtime.settings, recordings)  # each still there, or NotFound
    try:
        with runtime.store.session() as db:
            alert, _created = recorded.create(db, caller, data, key, runtime.settings, recordings)
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
        neighbours = buddies_view.for_caller(db, caller, alert_id)  # the buddies' relay (#24)
    stats = alert.stats
    by_status = stats.by_status
    waiting = any(by_status.get(s.value, 0) for s in OPEN_DELIVERY_STATUSES)
    final = alert.status != AlertStatus.ACTIVE.value and not waiting and not neighbours.ringing
    # Why no call goes out now (no PBX reachable, no worker can speak, none is running):
    # the police must not wait for calls that cannot come.
    held = calls_held(runtime) if alert.status == AlertStatus.ACTIVE.value and waiting else []
    return {
        "alert": alert,
        "stats": stats,
        "by_status": by_status,
        "rows": rows,
        "final": final,
        "held": held,
        "neighbours": neighbours,
    }


@router.get("/alerts/{alert_id}")
def live_page(request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id) -> Response:
    links = follow_links(runtime, caller, alert_id)  # follow-ups, when a message's calls start
    return page(
        request,
        "alert_live.html",
        map=map_context(runtime),
        **_live(runtime, caller, alert_id),
        **links,
    )


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
