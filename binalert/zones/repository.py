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


def dispatch_number_of_alert(session: Session, alert_id: int) -> str | None:
    """The dispatch line (E.164) members of this alert may be put through to: that of the
    police zone its introduction names (its first BIN's, as binalert.alerts.spoken says it).
    Only an urgent alert invites members to it: a prevention message or a follow-up does only
    where the zone asks for it (`Zone.press3_on_messages`). None: no press 3 on this call."""
    alert = session.get(Alert, alert_id)
    if alert is None or not alert.bin_ids:
        return None
    query = select(Bin.police_zone).where(Bin.id.in_(list(alert.bin_ids))).order_by(Bin.id)
    name = session.scalars(query.limit(1)).first()
    zone = session.get(Zone, name) if name else None
    if zone is None:
        return None
    invites = (alert.urgent and alert.parent_id is None) or zone.press3_on_messages
    return zone.dispatch_number if invites else None


def approval_required(session: Session, name: str) -> bool:
    found = session.get(Zone, name)
    return bool(found and found.approval_required)
