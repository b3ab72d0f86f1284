"""The member's own page, /me (#24): no password. They type their number; binalert texts a
single-use link or calls and reads out a short code (binalert.members.access: HMACs only,
limited per number and per address, void after a few wrong tries); the link or code signs the
browser in with the member's own cookie (member_session). Then: numbers (a new one is confirmed
with a code sent to it before it is ever called), language, channels, quiet hours for
non-urgent messages, stop or come back, leave (with a confirmation step), and what binalert
holds about them (as a page and as JSON). Every change is a record with channel `web`.

A link opened by GET only shows a button: SMS apps and mail scanners fetch links to preview
them, and must not use a single-use link up. Numbers are shown as people write them
(phones.display); the JSON download keeps them as stored (E.164).

Other helpers add sections through their own routers on the member cookie (the buddies'
/me/buddies): the page links to them in its "more" list (MORE_SECTIONS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import RuntimeDep
from api.web import member_session, session, times
from api.web.guard import Csrf, WebRoute
from api.web.i18n import N_
from api.web.render import page, redirect
from binalert.clock import utcnow
from binalert.errors import Invalid, TooMany
from binalert.members import access, courier, selfservice
from binalert.models import Channels, Member, RecordChannel
from binalert.phones import InvalidPhone, display, parse_phone
from binalert.runtime import Runtime


class _NotSignedIn(Exception):
    """A member's step without the member's cookie (expired, or never there)."""


class MemberRoute(WebRoute):
    """Member pages: refusals as pages (WebRoute); a visit that ended goes back to /me."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except _NotSignedIn:
                return redirect(request, "/me?done=ended")

        return wrapped


router = APIRouter(route_class=MemberRoute, include_in_schema=False)
WEB = RecordChannel.WEB
Field = Annotated[str, Form(max_length=100)]
CHANNEL_CHOICES = ("", Channels.CALL.value, Channels.SMS.value, Channels.BOTH.value)
LABELS = {
    "urgent": N_("Urgent alerts"),
    "messages": N_("Other messages"),
    "": N_("as my BIN decides"),
    "call": N_("a call"),
    "sms": N_("an SMS"),
    "both": N_("a call and an SMS"),
}
MORE_SECTIONS = ((N_("My buddies"), "/me/buddies"),)  # other helpers' sections on /me


def _source(request: Request) -> str | None:
    return request.client.host if request.client else None


def _key(runtime: Runtime) -> bytes:
    return runtime.settings.server_secret().encode()


def _ways(runtime: Runtime) -> list[str]:
    """How codes can be sent here: by SMS where an SMSC is configured, by a call."""
    with runtime.store.session() as db:
        return [via for via in (access.SMS, access.CALL) if courier.available(db, via)]


def _me(request: Request, runtime: Runtime) -> int | None:
    """The member this browser proved to be (None: ask for a link or code)."""
    found = member_session.member_id(request)
    if found is None:
        return None
    with runtime.store.session() as db:
        return found if db.get(Member, found) is not None else None


def _signed_in(request: Request, member_id: int, url: str = "/me") -> Response:
    """Renew the member's cookie on each page they see (member_session.MAX_AGE is idle time)."""
    response = redirect(request, url)
    member_session.sign_in(request, response, member_id)
    return response


def _member_page(
    request: Request, member_id: int, name: str, status: int = 200, **context: Any
) -> Response:
    response = page(request, name, status, **context)
    member_session.sign_in(request, response, member_id)
    return response


@router.get("/me")
def me(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    member_id = _me(request, runtime)
    if member_id is None:
        return page(request, "me_start.html", ways=_ways(runtime), values={})
    ways = _ways(runtime)
    with runtime.store.session() as db:
        member = selfservice.holdings(db, member_id)["member"]
    session.update(request, lang=member["language"])  # the page in the language of their calls
    context = {
        "member": member,
        "choices": CHANNEL_CHOICES,
        "labels": LABELS,
        "ways": ways,
        "more": MORE_SECTIONS,
        "done": done[:40],
    }
    return _member_page(request, member_id, "me.html", **context)


@router.post("/me/request", dependencies=[Csrf])
def request_link(
    request: Request, runtime: RuntimeDep, number: Field = "", via: Field = ""
) -> Response:
    values = {"number": number[:32], "via": via}
    if via not in _ways(runtime):
        return page(request, "me_start.html", 422, ways=_ways(runtime), values=values, error="via")
    try:
        e164 = parse_phone(number).e164
    except InvalidPhone:
        return page(
            request, "me_start.html", 422, ways=_ways(runtime), values=values, error="number"
        )
    now = utcnow()
    try:
        with runtime.store.session() as db:
            issued = access.request_sign_in(db, _key(runtime), e164, via, _source(request), now)
            courier.send(db, issued, runtime.settings.public_base, now)
    except TooMany:
        return page(
            request, "me_start.html", 429, ways=_ways(runtime), values=values, error="limit"
        )
    if via == access.SMS:
        return page(request, "me_sent.html")
    return page(request, "me_code.html", ticket=issued.ticket)


@router.post("/me/code", dependencies=[Csrf])
def enter_code(
    request: Request, runtime: RuntimeDep, ticket: Field = "", code: Field = ""
) -> Response:
    with runtime.store.session() as db:
        member_id = access.sign_in_with_code(db, _key(runtime), ticket, _digits(code), utcnow())
    if member_id is None:
        return page(request, "me_code.html", 401, ticket=ticket[:64], failed=True)
    return _signed_in(request, member_id)


def _digits(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())[:20]


@router.get("/me/link/{token}")
def open_link(request: Request, token: str) -> Response:
    return page(request, "me_link.html", token=token[:120])


@router.post("/me/link", dependencies=[Csrf])
def use_link(
    request: Request, runtime: RuntimeDep, token: Annotated[str, Form(max_length=120)] = ""
) -> Response:
    with runtime.store.session() as db:
        member_id = access.sign_in_with_link(db, _key(runtime), token, utcnow())
    if member_id is None:
        return page(request, "me_link.html", 401, token="", failed=True)
    return _signed_in(request, member_id)


def _guarded(request: Request, runtime: Runtime) -> int:
    member_id = _me(request, runtime)
    if member_id is None:
        raise _NotSignedIn()
    return member_id


@router.post("/me/language", dependencies=[Csrf])
def change_language(request: Request, runtime: RuntimeDep, language: Field = "") -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        member = selfservice.set_language(db, member_id, language, WEB, _source(request))
        session.update(request, lang=member.language)
    return _signed_in(request, member_id, "/me?done=language")


@router.post("/me/channels", dependencies=[Csrf])
def change_channels(
    request: Request, runtime: RuntimeDep, urgent: Field = "", messages: Field = ""
) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        selfservice.set_channels(db, member_id, WEB, urgent, messages, _source(request))
    return _signed_in(request, member_id, "/me?done=channels")


@router.post("/me/quiet", dependencies=[Csrf])
def change_quiet_hours(
    request: Request, runtime: RuntimeDep, start: Field = "", end: Field = ""
) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        selfservice.set_quiet_hours(
            db, member_id, WEB, start or None, end or None, _source(request)
        )
    return _signed_in(request, member_id, "/me?done=quiet")


@router.post("/me/stop", dependencies=[Csrf])
def stop(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        selfservice.stop(db, member_id, WEB, _source(request))
    return _signed_in(request, member_id, "/me?done=stopped")


@router.post("/me/resume", dependencies=[Csrf])
def resume(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        selfservice.resume(db, member_id, WEB, _source(request))
    return _signed_in(request, member_id, "/me?done=resumed")


@router.post("/me/numbers/new", dependencies=[Csrf])
def new_number(
    request: Request, runtime: RuntimeDep, number: Field = "", slot: Field = "", via: Field = ""
) -> Response:
    """A new number is theirs only once a code sent to it comes back (no alert calls an
    unconfirmed number)."""
    member_id = _guarded(request, runtime)
    if via not in _ways(runtime):
        raise Invalid("this way of sending a code is not available here")
    try:
        e164 = parse_phone(number).e164
    except InvalidPhone as error:
        raise Invalid(str(error)) from error
    runtime.settings.member_policy().check_numbers([e164])
    now = utcnow()
    with runtime.store.session() as db:
        issued = access.request_confirmation(
            db, _key(runtime), member_id, e164, slot, via, _source(request), now
        )
        courier.send(db, issued, runtime.settings.public_base, now)
    return _member_page(
        request, member_id, "me_number_code.html", ticket=issued.ticket, number=display(e164)
    )


@router.post("/me/numbers/confirm", dependencies=[Csrf])
def confirm_number(
    request: Request, runtime: RuntimeDep, ticket: Field = "", code: Field = ""
) -> Response:
    member_id = _guarded(request, runtime)
    policy = runtime.settings.member_policy()
    with runtime.store.session() as db:
        found = access.confirm_number(db, _key(runtime), member_id, ticket, _digits(code), utcnow())
        if found is not None:
            member = db.get(Member, member_id)
            assert member is not None
            numbers = {"phone": member.phone, "second_phone": member.second_phone}
            numbers[found.slot] = found.phone
            first = numbers["phone"] or found.phone
            selfservice.set_numbers(
                db,
                member_id,
                WEB,
                first,
                numbers["second_phone"],
                policy,
                frozenset({found.phone}),
                _source(request),
            )
    if found is None:
        return _member_page(
            request, member_id, "me_number_code.html", 401, ticket=ticket[:64], failed=True
        )
    return _signed_in(request, member_id, "/me?done=numbers")


@router.post("/me/numbers/drop-second", dependencies=[Csrf])
def drop_second(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    policy = runtime.settings.member_policy()
    with runtime.store.session() as db:
        member = db.get(Member, member_id)
        assert member is not None
        selfservice.set_numbers(
            db, member_id, WEB, member.phone, None, policy, source=_source(request)
        )
    return _signed_in(request, member_id, "/me?done=numbers")


def _when(value: Any) -> str:
    """A stored time (ISO text in the holdings) as people in Belgium read it."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        return times.local(datetime.fromisoformat(value))
    except ValueError:
        return value


@router.get("/me/data")
def my_data(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        held = selfservice.holdings(db, member_id)
    return _member_page(request, member_id, "me_data.html", held=held, when=_when)


@router.get("/me/data.json")
def my_data_json(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    with runtime.store.session() as db:
        held = selfservice.holdings(db, member_id)
    body = json.dumps(held, ensure_ascii=False, indent=2, sort_keys=True)
    headers = {
        "Content-Disposition": 'attachment; filename="binalert-my-data.json"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)


@router.get("/me/leave")
def leave_form(request: Request, runtime: RuntimeDep) -> Response:
    member_id = _guarded(request, runtime)
    return _member_page(request, member_id, "me_leave.html")


@router.post("/me/leave", dependencies=[Csrf])
def leave(
    request: Request,
    runtime: RuntimeDep,
    confirm: Field = "",
    reason: Annotated[str, Form(max_length=selfservice.MAX_REASON * 2)] = "",
) -> Response:
    member_id = _guarded(request, runtime)
    if confirm != "yes":
        context = {"unconfirmed": True, "reason": reason[: selfservice.MAX_REASON]}
        return _member_page(request, member_id, "me_leave.html", 422, **context)
    with runtime.store.session() as db:
        selfservice.leave(db, member_id, WEB, reason or None, _source(request))
    response = page(request, "me_left.html")
    member_session.sign_out(request, response)
    return response


@router.post("/me/signout", dependencies=[Csrf])
def sign_out(request: Request) -> Response:
    response = redirect(request, "/me")
    member_session.sign_out(request, response)
    return response
