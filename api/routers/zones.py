"""/api/v1/zones/{name}: a police zone's settings; /api/v1/bins/{id}/calling-hours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.zones import service
from binalert.zones.schemas import BinCallingHours, BinCallingHoursPatch, ZonePatch, ZoneSettings

router = APIRouter(tags=["zones"], responses=ERROR_RESPONSES)
ZoneName = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/api/v1/zones/{name}")
def get_zone(caller: CallerDep, runtime: RuntimeDep, name: ZoneName) -> ZoneSettings:
    with runtime.store.session() as session:
        return service.get_zone(session, caller, name)


@router.patch("/api/v1/zones/{name}")
def patch_zone(
    data: ZonePatch, caller: CallerDep, runtime: RuntimeDep, name: ZoneName
) -> ZoneSettings:
    """The zone's police (or an admin): its dispatch line (members press 3 to be put
    through; offered on urgent alerts, and on the zone's non-urgent messages and follow-ups
    only with `press3_on_messages`) and whether coordinators' messages need a police
    officer's approval."""
    allowed = runtime.settings.dispatch_allow_list()
    with runtime.store.session() as session:
        return service.update_zone(session, caller, name, data, allowed)


@router.get("/api/v1/bins/{bin_id}/calling-hours")
def get_calling_hours(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> BinCallingHours:
    with runtime.store.session() as session:
        return service.get_bin_hours(session, caller, bin_id)


@router.patch("/api/v1/bins/{bin_id}/calling-hours")
def patch_calling_hours(
    data: BinCallingHoursPatch, caller: CallerDep, runtime: RuntimeDep, bin_id: Id
) -> BinCallingHours:
    """When the BIN's non-urgent messages may ring (Brussels time): its coordinator, its
    zone's police or an admin."""
    with runtime.store.session() as session:
        return service.update_bin_hours(session, caller, bin_id, data)
