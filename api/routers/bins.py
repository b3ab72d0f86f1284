"""/api/v1/bins"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from api.deps import CallerDep, Id, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.bins import areas, service
from binalert.bins.schemas import (
    AreaImportResult,
    AreaOut,
    BinChannels,
    BinCreate,
    BinOut,
    BinPatch,
)
from binalert.paging import Page

GeoJson = Annotated[dict[str, Any], Body(description="GeoJSON, longitude first, WGS84")]

router = APIRouter(prefix="/api/v1/bins", tags=["bins"], responses=ERROR_RESPONSES)


@router.post("", status_code=201)
def create_bin(data: BinCreate, caller: CallerDep, runtime: RuntimeDep) -> BinOut:
    with runtime.store.session() as session:
        return service.create(session, caller, data)


@router.get("")
def list_bins(caller: CallerDep, runtime: RuntimeDep, page: PageDep) -> Page[BinOut]:
    with runtime.store.session() as session:
        return service.list_bins(session, caller, page)


@router.get("/areas")
def list_areas(caller: CallerDep, runtime: RuntimeDep) -> list[AreaOut]:
    """Every BIN area the caller may see (the map's layer)."""
    with runtime.store.session() as session:
        return areas.visible_areas(session, caller)


@router.post("/areas/import")
def import_areas(data: GeoJson, caller: CallerDep, runtime: RuntimeDep) -> AreaImportResult:
    """A FeatureCollection, one feature per BIN (property `bin_id` or `name`): every area
    stored, or none and an error per bad feature."""
    with runtime.store.session() as session:
        return areas.import_areas(session, caller, data)


@router.get("/{bin_id}/area")
def get_area(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> AreaOut:
    with runtime.store.session() as session:
        return areas.get_area(session, caller, bin_id)


@router.put("/{bin_id}/area")
def put_area(data: GeoJson, caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> AreaOut:
    """Set the BIN's area: a GeoJSON Polygon or MultiPolygon (or a Feature with one), closed,
    valid, inside Belgium, 0.01-500 km². The BIN's coordinators and admins."""
    with runtime.store.session() as session:
        return areas.set_area(session, caller, bin_id, data)


@router.delete("/{bin_id}/area")
def delete_area(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> AreaOut:
    with runtime.store.session() as session:
        return areas.clear_area(session, caller, bin_id)


@router.get("/{bin_id}")
def get_bin(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> BinOut:
    with runtime.store.session() as session:
        return service.get(session, caller, bin_id)


@router.patch("/{bin_id}")
def patch_bin(data: BinPatch, caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> BinOut:
    with runtime.store.session() as session:
        return service.patch(session, caller, bin_id, data)


@router.put("/{bin_id}/channels")
def set_bin_channels(
    bin_id: Id, data: BinChannels, caller: CallerDep, runtime: RuntimeDep
) -> BinOut:
    """The BIN's members' default channels (call, sms, both; a member's own choice wins) and
    its SMS fallback at the end of an urgent alert (#22): its coordinator sets them."""
    with runtime.store.session() as session:
        return service.set_channels(session, caller, bin_id, data)
