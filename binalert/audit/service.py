"""Every write is logged: who, what, when, from where; in the writing transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from binalert.audit import repository as repo
from binalert.audit.schemas import AuditEntry
from binalert.auth.schemas import Caller
from binalert.clock import utcnow
from binalert.models import AuditLog
from binalert.paging import Page, PageRequest, make_page


def record(session: Session, caller: Caller, action: str, target: str, **detail: Any) -> None:
    repo.add(
        session,
        AuditLog(
            at=utcnow(),
            actor=caller.principal.actor,
            action=action,
            target=target,
            source=caller.source,
            detail=detail,
        ),
    )


def list_entries(session: Session, request: PageRequest) -> Page[AuditEntry]:
    rows = repo.page(session, request.after_id, request.fetch)
    return make_page(rows, request, AuditEntry.model_validate, lambda row: row.id)
