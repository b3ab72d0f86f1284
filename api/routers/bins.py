"""/api/v1/bins"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, Id, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.bins import service
from binalert.bins.schemas import BinCreate, BinOut, BinPatch
from binalert.paging import Page

router = APIRouter(prefix="/api/v1/bins", tags=["bins"], responses=ERROR_RESPONSES)


@router.post("", status_code=201)
def create_bin(data: BinCreate, caller: CallerDep, runtime: RuntimeDep) -> BinOut:
    with runtime.store.session() as session:
        return service.create(session, caller, data)


@router.get("")
def list_bins(caller: CallerDep, runtime: RuntimeDep, page: PageDep) -> Page[BinOut]:
    with runtime.store.session() as session:
        return service.list_bins(session, caller, page)


@router.get("/{bin_id}")
def get_bin(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> BinOut:
    with runtime.store.session() as session:
        return service.get(session, caller, bin_id)


@router.patch("/{bin_id}")
def patch_bin(data: BinPatch, caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> BinOut:
    with runtime.store.session() as session:
        return service.patch(session, caller, bin_id, data)
