"""All queries on zones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Alert, Bin, Zone


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


def dispatch_number_of_alert(session: Session, alert_id: int) -> str | None:
    """The dispatch line (E.164) members of this alert may be put through to: that of the
    police zone its introduction names (its first BIN's, as binalert.alerts.spoken says it);
    None when that zone has set none."""
    alert = session.get(Alert, alert_id)
    if alert is None or not alert.bin_ids:
        return None
    query = select(Bin.police_zone).where(Bin.id.in_(list(alert.bin_ids))).order_by(Bin.id)
    zone = session.scalars(query.limit(1)).first()
    return dispatch_number(session, zone) if zone else None


def approval_required(session: Session, name: str) -> bool:
    found = session.get(Zone, name)
    return bool(found and found.approval_required)
