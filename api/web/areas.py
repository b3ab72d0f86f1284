"""Coordinator pages: a BIN's area on the map (drawn by clicking corners, pasted or uploaded as
GeoJSON) and a GeoJSON file of many BINs' areas at once (#23)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.limits import IMPORT_LIMIT
from api.web.alerts import map_context
from api.web.guard import Csrf, SignedIn, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import areas
from binalert.bins import service as bins
from binalert.errors import Invalid
from binalert.models import Role
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AREA_MAX_BYTES = 1024 * 1024
NOT_JSON = N_("The file or text is not GeoJSON (JSON).")


def _area_page(
    request: Request, runtime: Runtime, caller: Caller, bin_id: int, **context: Any
) -> Response:
    require_role(caller.principal, Role.COORDINATOR)
    with runtime.store.session() as db:
        found = bins.get(db, caller, bin_id)
        if "text" not in context:
            current = areas.get_area(db, caller, bin_id).area
            context["text"] = json.dumps(current) if current else ""
    status = 422 if context.get("errors") else 200
    return page(request, "bin_area.html", status, bin=found, map=map_context(runtime), **context)


@router.get("/bins/{bin_id}/area")
def area_form(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    return _area_page(request, runtime, caller, bin_id)


async def _text_of(upload: UploadFile | None, typed: str, limit: int) -> str:
    """An uploaded file's text if one was chosen, else the typed text (both limited)."""
    if upload is not None and upload.filename:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise Invalid(N_("The file is too large."))
        return data.decode("utf-8", errors="replace")
    return typed[:limit]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise Invalid(NOT_JSON) from error


@router.post("/bins/{bin_id}/area", dependencies=[SignedIn, Csrf])
async def save_area(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    geojson: Annotated[str, Form(max_length=AREA_MAX_BYTES)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    text = geojson
    try:
        text = await _text_of(file, geojson, AREA_MAX_BYTES)
        with runtime.store.session() as db:
            areas.set_area(db, caller, bin_id, _json(text))
    except Invalid as error:
        return _area_page(request, runtime, caller, bin_id, text=text, errors=[error.message])
    return redirect(request, f"/bins/{bin_id}/area?saved=1")


@router.post("/bins/{bin_id}/area/clear", dependencies=[SignedIn, Csrf])
def clear_area(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        areas.clear_area(db, caller, bin_id)
    return redirect(request, f"/bins/{bin_id}/area")


@router.get("/bins/areas/import")
def import_form(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    require_role(caller.principal, Role.COORDINATOR)
    return page(request, "area_import.html", map=map_context(runtime))


@router.post("/bins/areas/import", dependencies=[SignedIn, Csrf])
async def import_file(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    context: dict[str, Any] = {"map": map_context(runtime)}
    try:
        data = _json(await _text_of(file, "", IMPORT_LIMIT))
        with runtime.store.session() as db:
            context["imported"] = areas.import_areas(db, caller, data).imported
    except Invalid as error:
        context.update(message=error.message, feature_errors=error.details)
    status = 422 if "message" in context else 200
    return page(request, "area_import.html", status, **context)
