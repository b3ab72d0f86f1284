"""Queries on the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import AuditLog


def add(session: Session, entry: AuditLog) -> None:
    session.add(entry)
    session.flush()


def page(session: Session, after_id: int, limit: int) -> Sequence[AuditLog]:
    query = select(AuditLog).where(AuditLog.id > after_id).order_by(AuditLog.id).limit(limit)
    return list(session.scalars(query))
