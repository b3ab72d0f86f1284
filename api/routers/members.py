"""/api/v1/bins/{id}/members, CSV import/export, /api/v1/members/{id}"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from api.deps import CallerDep, Id, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.errors import Invalid
from binalert.members import csvio, service
from binalert.members.schemas import ImportResult, MemberCreate, MemberOut, MemberPatch
from binalert.paging import Page

router = APIRouter(prefix="/api/v1", tags=["members"], responses=ERROR_RESPONSES)


@router.post("/bins/{bin_id}/members", status_code=201)
def create_member(
    data: MemberCreate, caller: CallerDep, runtime: RuntimeDep, bin_id: Id
) -> MemberOut:
    with runtime.store.session() as session:
        return service.create(session, caller, bin_id, data, runtime.settings.member_policy())


@router.get("/bins/{bin_id}/members")
def list_members(
    caller: CallerDep, runtime: RuntimeDep, page: PageDep, bin_id: Id
) -> Page[MemberOut]:
    with runtime.store.session() as session:
        return service.list_members(session, caller, bin_id, page)


@router.post("/bins/{bin_id}/members/import")
async def import_members(
    file: Annotated[UploadFile, File(description="CSV: name,phone[,second_phone,language,...]")],
    caller: CallerDep,
    runtime: RuntimeDep,
    bin_id: Id,
) -> ImportResult:
    """All rows or none: every bad row is reported in `details` (row, field, message)."""
    data = await file.read(csvio.MAX_BYTES + 1)
    if len(data) > csvio.MAX_BYTES:
        raise Invalid(f"the CSV file is larger than {csvio.MAX_BYTES} bytes")
    with runtime.store.session() as session:
        return service.import_csv(session, caller, bin_id, data, runtime.settings.member_policy())


@router.get(
    "/bins/{bin_id}/members/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the BIN's members"}},
)
def export_members(caller: CallerDep, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as session:
        text = service.export_csv(session, caller, bin_id)
    headers = {"Content-Disposition": f'attachment; filename="bin-{bin_id}-members.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/members/{member_id}")
def get_member(caller: CallerDep, runtime: RuntimeDep, member_id: Id) -> MemberOut:
    with runtime.store.session() as session:
        return service.get(session, caller, member_id)


@router.patch("/members/{member_id}")
def patch_member(
    data: MemberPatch, caller: CallerDep, runtime: RuntimeDep, member_id: Id
) -> MemberOut:
    with runtime.store.session() as session:
        return service.patch(session, caller, member_id, data, runtime.settings.member_policy())


@router.delete("/members/{member_id}", status_code=204, response_class=Response)
def erase_member(caller: CallerDep, runtime: RuntimeDep, member_id: Id) -> Response:
    """GDPR erase: the person is deleted; their calls remain only as anonymous outcomes."""
    with runtime.store.session() as session:
        service.erase(session, caller, member_id)
    return Response(status_code=204)
