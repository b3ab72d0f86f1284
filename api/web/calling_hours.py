"""The calling hours page of a BIN: when its non-urgent messages may ring (urgent alerts ring
at any hour)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web import forms
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.render import page, redirect
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import service as bins
from binalert.errors import Invalid
from binalert.models import Role
from binalert.runtime import Runtime
from binalert.zones import service as zones
from binalert.zones.schemas import BinCallingHoursPatch

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _hours_page(
    request: Request, caller: Caller, runtime: Runtime, bin_id: int, **context: Any
) -> Response:
    require_role(caller.principal, Role.POLICE, Role.COORDINATOR)
    with runtime.store.session() as db:
        hours = zones.get_bin_hours(db, caller, bin_id)
        found = bins.get(db, caller, bin_id)
    errors = context.setdefault("errors", [])
    return page(
        request, "calling_hours.html", 422 if errors else 200, hours=hours, bin=found, **context
    )


@router.get("/bins/{bin_id}/calling-hours")
def hours_page(
    request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id, saved: int = 0
) -> Response:
    return _hours_page(request, caller, runtime, bin_id, saved=bool(saved))


@router.post("/bins/{bin_id}/calling-hours", dependencies=[Csrf])
def save_hours(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    calling_start: Annotated[str, Form(max_length=5)] = "",
    calling_end: Annotated[str, Form(max_length=5)] = "",
    call_on_sundays: Annotated[str, Form(max_length=5)] = "",
    call_on_holidays: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        data = BinCallingHoursPatch(
            calling_start=calling_start,
            calling_end=calling_end,
            call_on_sundays=call_on_sundays == "1",
            call_on_holidays=call_on_holidays == "1",
        )
        with runtime.store.session() as db:
            zones.update_bin_hours(db, caller, bin_id, data)
    except ValidationError as error:
        return _hours_page(request, caller, runtime, bin_id, errors=forms.errors(error))
    except Invalid as error:
        return _hours_page(request, caller, runtime, bin_id, errors=[error.message])
    return redirect(request, f"/bins/{bin_id}/calling-hours?saved=1")
