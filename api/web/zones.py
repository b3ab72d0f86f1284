"""The zone settings page: a zone's dispatch line (press 3), whether coordinators' messages
need its police's approval, and whether its messages offer press 3 too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.render import page, redirect
from binalert.auth.schemas import Caller
from binalert.errors import Invalid
from binalert.runtime import Runtime
from binalert.zones import service as zones
from binalert.zones.schemas import ZonePatch

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _zone_page(
    request: Request, caller: Caller, runtime: Runtime, name: str, **context: Any
) -> Response:
    with runtime.store.session() as db:
        settings = zones.get_zone(db, caller, name)
    errors = context.setdefault("errors", [])
    return page(
        request,
        "zone_settings.html",
        422 if errors else 200,
        zone=settings,
        may_edit=zones.may_edit_zone(caller, name),
        **context,
    )


@router.get("/zones/{name}")
def zone_page(
    request: Request, caller: WebCaller, runtime: RuntimeDep, name: str, saved: int = 0
) -> Response:
    return _zone_page(request, caller, runtime, name[:200], saved=bool(saved))


@router.post("/zones/{name}", dependencies=[Csrf])
def save_zone(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    name: str,
    dispatch_number: Annotated[str, Form(max_length=32)] = "",
    approval_required: Annotated[str, Form(max_length=5)] = "",
    press3_on_messages: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    data = ZonePatch(
        dispatch_number=dispatch_number.strip() or None,
        approval_required=approval_required == "1",
        press3_on_messages=press3_on_messages == "1",
    )
    allowed = runtime.settings.dispatch_allow_list()
    try:
        with runtime.store.session() as db:
            zones.update_zone(db, caller, name[:200], data, allowed)
    except Invalid as error:
        return _zone_page(request, caller, runtime, name[:200], errors=[error.message])
    return redirect(request, f"/zones/{name[:200]}?saved=1")
