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


def dispatch_number(session: Session, name: str) -> str | None:
    """The zone's dispatch line (E.164), or None: then members are not offered "press 3"."""
    found = session.get(Zone, name)
    return found.dispatch_number if found is not None else None


def approval_required(session: Session, name: str) -> bool:
    found = session.get(Zone, name)
    return bool(found and found.approval_required)
