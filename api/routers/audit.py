"""/api/v1/audit: the audit log (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, PageDep, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.audit import service
from binalert.audit.schemas import AuditEntry
from binalert.auth.service import require_role
from binalert.models import Role
from binalert.paging import Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("")
def list_audit(caller: CallerDep, runtime: RuntimeDep, page: PageDep) -> Page[AuditEntry]:
    require_role(caller.principal, Role.ADMIN)
    with runtime.store.session() as session:
        return service.list_entries(session, page)
