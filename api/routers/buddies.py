"""Buddies (#24) in the API: what the police see of the neighbour relay on an alert, and a
BIN's buddy links for its coordinator (propose a pair, end a link). Members manage their
own links on their page (api/web/buddies.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.buddies import service, view
from binalert.buddies.schemas import LinkOut, Neighbours, Proposal

router = APIRouter(tags=["buddies"], responses=ERROR_RESPONSES)


@router.get("/api/v1/alerts/{alert_id}/neighbours")
def alert_neighbours(caller: CallerDep, runtime: RuntimeDep, alert_id: Id) -> Neighbours:
    """The alert's unreached members whose buddy was called after it (member ids only):
    `looking_in` once the buddy pressed 1, `ringing` while the relay call goes on,
    `not_reached` when it ended without a 1; within the caller's zone."""
    with runtime.store.session() as session:
        return view.for_caller(session, caller, alert_id)


@router.get("/api/v1/bins/{bin_id}/buddies")
def bin_buddies(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> list[LinkOut]:
    """The BIN's live and pending buddy links (its coordinator, or an admin)."""
    with runtime.store.session() as session:
        return service.bin_links(session, caller, bin_id)


@router.post("/api/v1/bins/{bin_id}/buddies", status_code=201)
def propose_buddies(data: Proposal, caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> LinkOut:
    """Propose that one member look in on another; each confirms on their own page."""
    with runtime.store.session() as session:
        return service.propose(session, caller, bin_id, data)


@router.delete("/api/v1/buddies/{link_id}", status_code=204)
def end_buddies(caller: CallerDep, runtime: RuntimeDep, link_id: Id) -> Response:
    with runtime.store.session() as session:
        service.end_by_coordinator(session, caller, link_id)
    return Response(status_code=204)
