"""Pages for messages and follow-ups: a coordinator (or the police) sends a non-urgent message
and sees when its calls start; the police approve or reject it where their zone wants it; the
police send a follow-up from an alert's page; zone settings and a BIN's calling hours."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import TEMPLATES, page, redirect
from binalert.alerts import service as alerts
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins import service as bins
from binalert.clock import utcnow
from binalert.errors import Invalid
from binalert.ids import ids_from_form
from binalert.messages import service
from binalert.messages.schemas import Decision, FeedbackCreate, MessageCreate
from binalert.messages.templates import FEEDBACK_KINDS, Modus
from binalert.messages.when import day_and_time
from binalert.models import AlertStatus, Role
from binalert.paging import PageRequest
from binalert.runtime import Runtime
from binalert.zones import service as zones
from binalert.zones.schemas import BinCallingHoursPatch, ZonePatch

router = APIRouter(route_class=WebRoute, include_in_schema=False)
TEMPLATES.env.filters["brussels_day"] = day_and_time  # "dinsdag 1 december om 09:00"
TEXT_LANGUAGES = ("nl", "fr", "de", "en")
PREVENTION = ("holiday_watch", "dark_evenings", "modus_operandi")
KEY = re.compile(r"^[0-9a-f]{24}$")
MODUS_LABELS = {
    Modus.FAKE_TECHNICIAN: N_("Fake technicians at the door"),
    Modus.FAKE_POLICE_CALL: N_("Fake police or bank on the phone"),
    Modus.DISTRACTION_THEFT: N_("Distraction at the door"),
    Modus.CAR_BREAK_IN: N_("Break-ins in parked cars"),
}
FEEDBACK_LABELS = {
    "arrest_made": N_("A suspect has been arrested"),
    "all_clear": N_("All clear"),
    "thanks": N_("Thank you for your vigilance"),
}


def _errors(error: ValidationError) -> list[str]:
    out = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def _key(value: str) -> str | None:
    return f"web-{value}" if KEY.fullmatch(value) else None


def _texts(form: Any) -> dict[str, str]:
    found = {lang: str(form.get(f"text_{lang}") or "").strip() for lang in TEXT_LANGUAGES}
    return {lang: text for lang, text in found.items() if text}


# -- a message ------------------------------------------------------------------------------


def _message_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: str(form.get(key) or "").strip()[:1000]
        for key in ("subject", "source", "modus", "area", "valid_days", "key")
    }
    values["bin_ids"] = ids_from_form([str(v) for v in form.getlist("bin_ids")][:100])
    values |= {
        f"text_{lang}": str(form.get(f"text_{lang}") or "")[:1000] for lang in TEXT_LANGUAGES
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
        body["messages"] = _texts(values)
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
        languages_text=TEXT_LANGUAGES,
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
        return _message_form(request, caller, runtime, 422, values=values, errors=_errors(error))
    key = _key(values["key"])
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


# -- a follow-up on an alert ----------------------------------------------------------------


def follow_links(runtime: Runtime, caller: Caller, alert_id: int) -> dict[str, Any]:
    """What the alert's page shows of follow-ups: the alert it follows, its follow-ups, and
    whether this caller may send one."""
    with runtime.store.session() as db:
        found = service.follow_ups(db, caller, alert_id)
        alert = alerts.visible_alert(db, caller, alert_id)
        closed = (AlertStatus.AWAITING_APPROVAL.value, AlertStatus.REJECTED.value)
        may = alert.parent_id is None and alert.status not in closed
        calls_from = alert.calls_from
    return {
        "parent": found.parent,
        "follow_ups": found.follow_ups,
        "may_follow_up": may and caller.principal.role in (Role.POLICE, Role.ADMIN),
        "calls_from": calls_from,
        "calls_later": calls_from is not None and calls_from > utcnow(),
    }


def _feedback_form(
    request: Request, caller: Caller, runtime: Runtime, alert_id: int, **context: Any
) -> Response:
    require_role(caller.principal, Role.POLICE)
    with runtime.store.session() as db:
        alert = alerts.get(db, caller, alert_id, runtime.settings)
    values = context.setdefault(
        "values", {"audience": "all", "source": "arrest_made", "at_once": ""}
    )
    values.setdefault("key", secrets.token_hex(12))
    errors = context.setdefault("errors", [])
    return page(
        request,
        "feedback_form.html",
        422 if errors else 200,
        alert=alert,
        languages_text=TEXT_LANGUAGES,
        feedback_labels=FEEDBACK_LABELS,
        kinds=FEEDBACK_KINDS,
        **context,
    )


@router.get("/alerts/{alert_id}/feedback")
def feedback_form(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    return _feedback_form(request, caller, runtime, alert_id)


@router.post("/alerts/{alert_id}/feedback", dependencies=[Csrf])
async def send_feedback(
    request: Request, caller: WebCaller, runtime: RuntimeDep, alert_id: Id
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        key: str(form.get(key) or "").strip()[:100]
        for key in ("audience", "source", "at_once", "key")
    }
    values |= {
        f"text_{lang}": str(form.get(f"text_{lang}") or "")[:1000] for lang in TEXT_LANGUAGES
    }
    body: dict[str, Any] = {"audience": values["audience"], "at_once": values["at_once"] == "1"}
    if values["source"] == "free":
        body["messages"] = _texts(values)
    else:
        body["template"] = values["source"]
    try:
        data = FeedbackCreate.model_validate(body)
    except ValidationError as error:
        return _feedback_form(
            request, caller, runtime, alert_id, values=values, errors=_errors(error)
        )
    key = _key(values["key"])
    try:
        with runtime.store.session() as db:
            sent, _created = service.feedback(db, caller, alert_id, data, key, runtime.settings)
    except Invalid as error:
        return _feedback_form(
            request, caller, runtime, alert_id, values=values, errors=[error.message]
        )
    except IntegrityError:
        if key is None:
            raise
        with runtime.store.session() as db:
            earlier = alerts.existing_for_key(db, caller, key)
        if earlier is None:
            raise
        return redirect(request, f"/alerts/{earlier.id}")
    return redirect(request, f"/alerts/{sent.id}")


# -- settings -------------------------------------------------------------------------------


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
        return _hours_page(request, caller, runtime, bin_id, errors=_errors(error))
    except Invalid as error:
        return _hours_page(request, caller, runtime, bin_id, errors=[error.message])
    return redirect(request, f"/bins/{bin_id}/calling-hours?saved=1")
