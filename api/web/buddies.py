"""Buddies (#24) on the pages: a member's own section (/me/buddies, with the member's
cookie: offer to look in on a neighbour by their number, agree to or end a link) and a
BIN's links for its coordinator (/bins/{id}/buddies: propose a pair, end a link).

A member's page shows another member's first name and street once that member agreed,
nothing more; an offer by number answers the same whether anyone has that number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web import member_session
from api.web.guard import Csrf, WebCaller, WebRoute
from api.web.i18n import N_
from api.web.member_session import current_member
from api.web.render import page, redirect
from binalert.auth.schemas import Caller
from binalert.bins import service as bins
from binalert.buddies import service as buddies
from binalert.buddies.schemas import Proposal
from binalert.errors import Conflict, DomainError, Invalid, NotFound, TooMany
from binalert.members import repository as members_repo
from binalert.runtime import Runtime

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ME = "/me/buddies"
# A member reads these in their language (the domain's own messages are for staff and logs).
REFUSALS: dict[type[DomainError], str] = {
    Invalid: N_("That is not a phone number we can call. Check it and try again."),
    TooMany: N_("You made as many offers as one day allows. Try again tomorrow."),
    Conflict: N_(
        "That is not possible now: someone looks in on three neighbours already, "
        "or the link changed meanwhile."
    ),
    NotFound: N_("That link does not exist any more."),
}
OFFERED = N_(
    "Thank you. If this number belongs to a member of your BIN, they see your "
    "offer on their own page and can agree to it."
)


def _member_id(request: Request, runtime: Runtime) -> int | None:
    with runtime.store.session() as db:
        found = current_member(request, db)
        return found.id if found is not None and found.active else None


def _me(request: Request, runtime: Runtime, member_id: int, **context: Any) -> Response:
    with runtime.store.session() as db:
        mine = buddies.of_member(db, member_id)
    status = 422 if context.get("error") else 200
    response = page(request, "me_buddies.html", status, buddies=mine, **context)
    member_session.sign_in(request, response, member_id)  # renewed on each page, as /me
    return response


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get(ME)
def my_buddies(request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    member_id = _member_id(request, runtime)
    if member_id is None:
        return redirect(request, "/me")  # the member's own page proves who they are first
    note = OFFERED if done == "offered" else None
    return _me(request, runtime, member_id, note=note)


def _member_step(request: Request, runtime: Runtime, step: Any, done: str = "") -> Response:
    member_id = _member_id(request, runtime)
    if member_id is None:
        return redirect(request, "/me")
    try:
        with runtime.store.session() as db:
            step(db, member_id)
    except (Invalid, TooMany, Conflict, NotFound) as error:
        return _me(request, runtime, member_id, error=REFUSALS[type(error)])
    return redirect(request, f"{ME}?done={done}" if done else ME)


@router.post(f"{ME}/offer", dependencies=[Csrf])
def offer(
    request: Request, runtime: RuntimeDep, phone: Annotated[str, Form(max_length=40)] = ""
) -> Response:
    source = _client(request)
    return _member_step(
        request,
        runtime,
        lambda db, member_id: buddies.offer(db, member_id, phone, source),
        done="offered",
    )


@router.post(ME + "/{link_id}/confirm", dependencies=[Csrf])
def confirm(request: Request, runtime: RuntimeDep, link_id: Id) -> Response:
    source = _client(request)
    return _member_step(
        request,
        runtime,
        lambda db, member_id: buddies.confirm(db, member_id, link_id, source=source),
    )


@router.post(ME + "/{link_id}/end", dependencies=[Csrf])
def end(request: Request, runtime: RuntimeDep, link_id: Id) -> Response:
    source = _client(request)
    return _member_step(
        request,
        runtime,
        lambda db, member_id: buddies.end(db, member_id, link_id, source=source),
    )


def _bin_page(
    request: Request, caller: Caller, runtime: Runtime, bin_id: int, **context: Any
) -> Response:
    with runtime.store.session() as db:
        links = buddies.bin_links(db, caller, bin_id)
        found = bins.get(db, caller, bin_id)
        people = [(m.id, m.name) for m in members_repo.all_in_bin(db, bin_id) if m.active]
    status = 422 if context.get("errors") else 200
    return page(
        request, "bin_buddies.html", status, bin=found, links=links, people=people, **context
    )


@router.get("/bins/{bin_id}/buddies")
def bin_buddies(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    return _bin_page(request, caller, runtime, bin_id)


@router.post("/bins/{bin_id}/buddies", dependencies=[Csrf])
def propose(
    request: Request,
    caller: WebCaller,
    runtime: RuntimeDep,
    bin_id: Id,
    buddy_id: Annotated[int, Form(gt=0, lt=2**53)],
    neighbour_id: Annotated[int, Form(gt=0, lt=2**53)],
) -> Response:
    try:
        with runtime.store.session() as db:
            data = Proposal(buddy_id=buddy_id, neighbour_id=neighbour_id)
            buddies.propose(db, caller, bin_id, data)
    except (Invalid, Conflict) as error:
        return _bin_page(request, caller, runtime, bin_id, errors=[error.message])
    return redirect(request, f"/bins/{bin_id}/buddies")


@router.post("/bins/{bin_id}/buddies/{link_id}/end", dependencies=[Csrf])
def end_link(
    request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id, link_id: Id
) -> Response:
    with runtime.store.session() as db:
        buddies.end_by_coordinator(db, caller, link_id)
    return redirect(request, f"/bins/{bin_id}/buddies")
