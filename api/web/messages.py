"""Pages for messages (non-urgent alerts): a coordinator (or the police) sends prevention
advice and sees when its calls start; the police of each zone approve or reject their zone's
part where the zone wants it."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web import forms
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import TEMPLATES, page, redirect
from binalert.alerts import messages as service
from binalert.alerts import service as alerts
from binalert.alerts.prevention import Modus
from binalert.alerts.schemas import Decision, MessageCreate
from binalert.alerts.when import day_and_time
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import service as bins
from binalert.clock import utcnow
from binalert.errors import Invalid
from binalert.ids import ids_from_form
from binalert.models import AlertStatus, Role
from binalert.paging import PageRequest
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
TEMPLATES.env.filters["brussels_day"] = day_and_time  # "dinsdag 1 december om 09:00"
PREVENTION = ("holiday_watch", "dark_evenings", "modus_operandi")
MODUS_LABELS = {
    Modus.FAKE_TECHNICIAN: N_("Fake technicians at the door"),
    Modus.FAKE_POLICE_CALL: N_("Fake police or bank on the phone"),
    Modus.DISTRACTION_THEFT: N_("Distraction at the door"),
    Modus.CAR_BREAK_IN: N_("Break-ins in parked cars"),
}


# -- a message ------------------------------------------------------------------------------


def _message_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: str(form.get(key) or "").strip()[:1000]
        for key in ("subject", "source", "modus", "area", "valid_days", "key")
    }
    values["bin_ids"] = ids_from_form([str(v) for v in form.getlist("bin_ids")][:100])
    values |= {
        f"text_{lang}": str(form.get(f"text_{lang}") or "")[:1000] for lang in forms.TEXT_LANGUAGES
    }
    return values


def _message_body(values: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bin_ids": values["bin_ids"],
        "subject": values["subject"],
        "valid_days": values["valid_days"] or 3,
    }
    source = values["source"]
    if source == "free":
        body["messages"] = forms.texts(values)
    elif source == "modus_operandi":
        body["template"] = {
            "kind": source,
            "modus": values["modus"],
            "area": values["area"] or None,
        }
    elif source in PREVENTION:
        body["template"] = {"kind": source}
    return body


def _message_form(
    request: Request, caller: Caller, runtime: Runtime, status: int = 200, **context: Any
) -> Response:
    require_role(caller.principal, Role.POLICE, Role.COORDINATOR)
    with runtime.store.session() as db:
        mine = bins.list_bins(db, caller, PageRequest(limit=200)).items
    context.setdefault(
        "values", {"source": "holiday_watch", "bin_ids": [], "valid_days": "3", "modus": ""}
    )
    context["values"].setdefault("key", secrets.token_hex(12))
    context.setdefault("errors", [])
    return page(
        request,
        "message_form.html",
        status,
        bins=mine,
        languages_text=forms.TEXT_LANGUAGES,
        modus_labels=MODUS_LABELS,
        **context,
    )


@router.get("/messages/new")
def new_message(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    return _message_form(request, caller, runtime)


@router.post("/messages", dependencies=[Csrf])
async def send_message(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    values = _message_values(await request.form())
    try:
        data = MessageCreate.model_validate(_message_body(values))
    except ValidationError as error:
        return _message_form(
            request, caller, runtime, 422, values=values, errors=forms.errors(error)
        )
    key = forms.idempotency_key(values["key"])
    try:
        with runtime.store.session() as db:
            message, _created = service.send(db, caller, data, key, runtime.settings)
    except Invalid as error:
        return _message_form(request, caller, runtime, 422, values=values, errors=[error.message])
    except IntegrityError:  # the same form sent twice at once: one message
        if key is None:
            raise
        with runtime.store.session() as db:
            earlier = alerts.existing_for_key(db, caller, key)
        if earlier is None:
            raise
        return redirect(request, f"/messages/{earlier.id}")
    return redirect(request, f"/messages/{message.id}")


@router.get("/messages")
def messages_page(request: Request, caller: WebCaller, runtime: RuntimeDep) -> Response:
    principal = caller.principal
    with runtime.store.session() as db:
        recent = service.list_messages(db, caller)
        awaiting = service.list_messages(db, caller, AlertStatus.AWAITING_APPROVAL)
        waiting = [m for m in awaiting if service.may_decide(db, principal, m)]
    return page(request, "messages.html", messages=recent, waiting=waiting, now=utcnow())


@router.get("/messages/{alert_id}")
def message_page(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    with runtime.store.session() as db:
        message = service.get(db, caller, alert_id, runtime.settings)
        decides = service.may_decide(db, caller.principal, message)
        names = {b.id: b.name for b in bins.list_bins(db, caller, PageRequest(limit=200)).items}
    return page(
        request,
        "message.html",
        message=message,
        stats=message.stats,
        may_decide=decides,
        bin_names=names,
        now=utcnow(),
    )


@router.post("/messages/{alert_id}/approve", dependencies=[Csrf])
def approve(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    alert_id: Id,
    reason: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    with runtime.store.session() as db:
        service.approve(db, caller, alert_id, Decision(reason=reason or None), runtime.settings)
    return redirect(request, f"/messages/{alert_id}")


@router.post("/messages/{alert_id}/reject", dependencies=[Csrf])
def reject(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    alert_id: Id,
    reason: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    with runtime.store.session() as db:
        service.reject(db, caller, alert_id, Decision(reason=reason or None), runtime.settings)
    return redirect(request, f"/messages/{alert_id}")
