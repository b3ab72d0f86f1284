"""Coordinator pages: members of a BIN (list, search, add, edit, deactivate, erase) and CSV
import (checked and previewed row by row before anything is saved) and export."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web.guard import Csrf, SignedIn, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from binalert.auth.schemas import Caller
from binalert.bins import service as bins
from binalert.bins.schemas import BinChannels
from binalert.errors import Conflict, Invalid
from binalert.members import csvio, service, signup
from binalert.members.schemas import MemberCreate, MemberOut, MemberPatch
from binalert.paging import PageRequest
from binalert.phones import display
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FIELDS = ("name", "phone", "second_phone", "language", "urgent_channels", "message_channels")
CHANNEL_FIELDS = ("urgent_channels", "message_channels")  # "": the BIN's default (#22)


def _all_members(runtime: Runtime, caller: Caller, bin_id: int) -> list[MemberOut]:
    rows: list[MemberOut] = []
    request = PageRequest(limit=200)
    with runtime.store.session() as db:
        while True:
            found = service.list_members(db, caller, bin_id, request)
            rows += found.items
            if found.next is None or not found.items:
                return rows
            request = PageRequest(limit=200, after_id=found.items[-1].id)


def _matches(member: MemberOut, query: str) -> bool:
    digits = "".join(ch for ch in query if ch.isdigit())
    return query.lower() in member.name.lower() or (
        len(digits) >= 3 and digits in (member.phone + (member.second_phone or ""))
    )


@router.get("/bins/{bin_id}/members")
def members_page(
    request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id, q: str = ""
) -> Response:
    rows = _all_members(runtime, caller, bin_id)
    query = q.strip()[:100]
    if query:
        rows = [m for m in rows if _matches(m, query)]
    with runtime.store.session() as db:
        found = bins.get(db, caller, bin_id)
        waiting = signup.waiting(db, caller, bin_id)  # #24: sign-ups to approve
    return page(
        request,
        "members.html",
        bin=found,
        members=rows,
        q=query,
        waiting=waiting,
        channels=CHANNEL_CHOICES,
    )


CHANNEL_CHOICES = (("call", N_("a call")), ("sms", N_("an SMS")), ("both", N_("a call and an SMS")))


@router.post("/bins/{bin_id}/channels", dependencies=[Csrf])
async def set_bin_channels(
    request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id
) -> Response:
    """The BIN's default channels and SMS fallback (#22), from its members page."""
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in CHANNEL_FIELDS}
    values["sms_fallback"] = "true" if form.get("sms_fallback") else "false"
    try:
        data = BinChannels.model_validate(values)
    except ValidationError as error:
        raise Invalid("; ".join(f"{k}: {v}" for k, v in _errors(error).items())) from error
    with runtime.store.session() as db:
        bins.set_channels(db, caller, bin_id, data)
    return redirect(request, f"/bins/{bin_id}/members")


def _errors(error: ValidationError) -> dict[str, str]:
    out = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        out[field] = str(item["msg"]).removeprefix("Value error, ")
    return out


def _values(form: Any) -> dict[str, str]:
    return {key: str(form.get(key) or "").strip()[:300] for key in FIELDS}


def _member_form(request: Request, status: int = 200, **context: Any) -> Response:
    return page(request, "member_form.html", status, **context)


@router.get("/bins/{bin_id}/members/new")
def new_member(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        service.list_members(db, caller, bin_id, PageRequest(limit=1))  # scope and role check
    return _member_form(request, bin_id=bin_id, values={"language": "nl"}, errors={})


def _model(cls: type[BaseModel], values: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    data = {k: v for k, v in values.items() if v != ""}
    try:
        return cls.model_validate(data), {}
    except ValidationError as error:
        return None, _errors(error)


@router.post("/bins/{bin_id}/members", dependencies=[Csrf])
async def add_member(
    request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id
) -> Response:
    values = _values(await request.form())
    data, errors = _model(MemberCreate, values)
    if data is not None:
        try:
            with runtime.store.session() as db:
                service.create(db, caller, bin_id, data, runtime.settings.member_policy())
            return redirect(request, f"/bins/{bin_id}/members")
        except Conflict as error:
            errors = {"phone": error.message}
    return _member_form(request, 422, bin_id=bin_id, values=values, errors=errors)


@router.get("/members/{member_id}/edit")
def edit_member(
    request: Request, caller: WebCaller, runtime: RuntimeDep, member_id: Id
) -> Response:
    with runtime.store.session() as db:
        member = service.get(db, caller, member_id)
    values = member.model_dump(mode="json")
    values["phone"] = display(member.phone)  # as people write it; parsed again on save
    values["second_phone"] = display(member.second_phone)
    for key in CHANNEL_FIELDS:  # none: the BIN's default
        values[key] = values[key] or ""
    return _member_form(request, member=member, values=values, errors={})


@router.post("/members/{member_id}", dependencies=[Csrf])
async def save_member(
    request: Request, caller: WebCaller, runtime: RuntimeDep, member_id: Id
) -> Response:
    values = _values(await request.form())
    patch_values: dict[str, Any] = dict(values)
    for key in ("second_phone", *CHANNEL_FIELDS):  # emptied: none, or the BIN's default
        if not values[key]:
            patch_values[key] = None
    data, errors = _model(MemberPatch, {k: v for k, v in patch_values.items() if v != ""})
    with runtime.store.session() as db:
        member = service.get(db, caller, member_id)
        if data is not None:
            service.patch(db, caller, member_id, data, runtime.settings.member_policy())
            return redirect(request, f"/bins/{member.bin_ids[0]}/members")
    return _member_form(request, 422, member=member, values=values, errors=errors)


@router.post("/members/{member_id}/active", dependencies=[Csrf])
def set_active(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    member_id: Id,
    active: Annotated[bool, Form()],
) -> Response:
    with runtime.store.session() as db:
        member = service.patch(
            db, caller, member_id, MemberPatch(active=active), runtime.settings.member_policy()
        )
    return redirect(request, f"/bins/{member.bin_ids[0]}/members")


@router.get("/members/{member_id}/erase")
def erase_form(request: Request, caller: WebCaller, runtime: RuntimeDep, member_id: Id) -> Response:
    with runtime.store.session() as db:
        member = service.get(db, caller, member_id)
    return page(request, "member_erase.html", member=member)


@router.post("/members/{member_id}/erase", dependencies=[Csrf])
def erase(request: Request, caller: WebCaller, runtime: RuntimeDep, member_id: Id) -> Response:
    with runtime.store.session() as db:
        bin_id = service.get(db, caller, member_id).bin_ids[0]
        service.erase(db, caller, member_id)
    return redirect(request, f"/bins/{bin_id}/members")


@router.get("/bins/{bin_id}/members.csv")
def export(caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        text = service.export_csv(db, caller, bin_id)
    headers = {"Content-Disposition": f'attachment; filename="bin-{bin_id}-members.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/bins/{bin_id}/members/import")
def import_form(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        found = bins.get(db, caller, bin_id)
        service.list_members(db, caller, bin_id, PageRequest(limit=1))
    return page(request, "member_import.html", bin=found, columns=csvio.COLUMNS)


@router.post("/bins/{bin_id}/members/import", dependencies=[SignedIn, Csrf])
async def import_check(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(csvio.MAX_BYTES + 1)
    context: dict[str, Any] = {"columns": csvio.COLUMNS, "checked": True}
    with runtime.store.session() as db:
        context["bin"] = bins.get(db, caller, bin_id)
        try:
            context["rows"] = service.check_csv(
                db, caller, bin_id, data, runtime.settings.member_policy()
            )
            context["payload"] = _parts(base64.b64encode(data).decode())
        except Invalid as error:
            context.update(message=error.message, row_errors=error.details)
    return page(request, "member_import.html", 422 if "message" in context else 200, **context)


PART = 512 * 1024  # form fields stay below Starlette's 1 MB per part, whatever the file size


def _parts(payload: str) -> list[str]:
    """The checked file in form fields of at most PART characters (joined again on confirm)."""
    return [payload[i : i + PART] for i in range(0, len(payload), PART)] or [""]


@router.post("/bins/{bin_id}/members/import/confirm", dependencies=[SignedIn, Csrf])
def import_confirm(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    payload: Annotated[list[str], Form()],
) -> Response:
    joined = "".join(payload)
    if len(joined) > 2 * csvio.MAX_BYTES:
        raise Invalid(f"the CSV file is larger than {csvio.MAX_BYTES} bytes")
    try:
        data = base64.b64decode(joined, validate=True)
    except binascii.Error as error:
        raise Invalid("the checked file was damaged; check it again") from error
    with runtime.store.session() as db:
        result = service.import_csv(db, caller, bin_id, data, runtime.settings.member_policy())
    return redirect(request, f"/bins/{bin_id}/members?imported={result.imported}")


RECORD_KINDS = {
    "consent": N_("gave consent"),
    "confirmed": N_("confirmed their number"),
    "approved": N_("approved"),
    "language_changed": N_("changed language"),
    "channels_changed": N_("changed how they are reached"),
    "numbers_changed": N_("changed numbers"),
    "quiet_hours_changed": N_("changed quiet hours"),
    "stopped": N_("stopped calls"),
    "resumed": N_("receives calls again"),
    "left": N_("left"),
    "sms_stop": N_("stopped SMS"),
    "sms_resumed": N_("receives SMS again"),
}
RECORD_CHANNELS = {
    "web": N_("on their page"),
    "phone": N_("by phone"),
    "sms": N_("by SMS"),
    "coordinator": N_("by a coordinator"),
    "import": N_("by import"),
    "system": N_("by binalert"),
}


def _records_page(request: Request, **context: Any) -> Response:
    return page(
        request, "member_records.html", kinds=RECORD_KINDS, channels=RECORD_CHANNELS, **context
    )


@router.get("/members/{member_id}/records")
def member_records(
    request: Request, caller: WebCaller, runtime: RuntimeDep, member_id: Id
) -> Response:
    with runtime.store.session() as db:
        member = service.get(db, caller, member_id)
        rows = service.records_of_member(db, caller, member_id)
    names = {member.id: member.name}
    return _records_page(request, member=member, rows=rows, names=names, left=[])


@router.get("/bins/{bin_id}/records")
def bin_records(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    """Every consent, confirmation and change of the BIN's members, newest first, and who
    left and how (their name kept for records.LEFT_NAME_DAYS)."""
    members = _all_members(runtime, caller, bin_id)
    with runtime.store.session() as db:
        found = bins.get(db, caller, bin_id)
        rows = service.records_of_bin(db, caller, bin_id)
        left = service.records_of_bin(db, caller, bin_id, ["left"])
    names = {m.id: m.name for m in members}
    return _records_page(request, bin=found, rows=rows, names=names, left=left)
