"""All queries on zones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.models import Zone


def get(session: Session, name: str) -> Zone | None:
    return session.get(Zone, name)


def get_or_create(session: Session, name: str) -> Zone:
    found = session.get(Zone, name)
    if found is None:
        found = Zone(name=name, approval_required=False)
        session.add(found)
        session.flush()
    return found


def approval_required(session: Session, name: str) -> bool:
    found = session.get(Zone, name)
    return bool(found and found.approval_required)
