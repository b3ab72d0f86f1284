"""What the police see of the neighbour relay on an alert (#24): which unreached members a
buddy is looking in on (pressed 1 on the relay call), and which relay calls still ring;
within the caller's member scope like the alert's other counts. Member ids only."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from binalert.alerts import service as alerts
from binalert.auth.schemas import Caller
from binalert.buddies.schemas import Neighbours, RelayOut
from binalert.models import OPEN_DELIVERY_STATUSES, BuddyRelay, Delivery, DeliveryStatus

OPEN = {s.value for s in OPEN_DELIVERY_STATUSES}


def neighbours(session: Session, alert_id: int, member_bins: Collection[int] | None) -> Neighbours:
    unreached = aliased(Delivery)
    call = aliased(Delivery)
    query = (
        select(
            BuddyRelay.relay_alert_id,
            unreached.member_id,
            call.member_id,
            call.status,
            call.acknowledged_at,
        )
        .join(unreached, unreached.id == BuddyRelay.delivery_id)
        .outerjoin(call, call.alert_id == BuddyRelay.relay_alert_id)
        .where(BuddyRelay.alert_id == alert_id)
        .order_by(BuddyRelay.id)
    )
    if member_bins is not None:
        query = query.where(BuddyRelay.bin_id.in_(list(member_bins)))
    relays = [
        RelayOut(
            member_id=member_id,
            buddy_id=buddy_id,
            relay_alert_id=relay_alert_id,
            state=_state(status),
            looking_in_at=acknowledged_at if status == DeliveryStatus.ACKNOWLEDGED.value else None,
        )
        for relay_alert_id, member_id, buddy_id, status, acknowledged_at in session.execute(query)
    ]
    return Neighbours(
        relays=relays,
        looking_in=sum(r.state == "looking_in" for r in relays),
        ringing=sum(r.state == "ringing" for r in relays),
    )


def _state(status: str | None) -> str:
    if status == DeliveryStatus.ACKNOWLEDGED.value:
        return "looking_in"
    if status in OPEN:
        return "ringing"
    return "not_reached"


def for_caller(session: Session, caller: Caller, alert_id: int) -> Neighbours:
    """The relays of an alert the caller may see, within their member scope."""
    alert = alerts.visible_alert(session, caller, alert_id)
    return neighbours(session, alert.id, alerts.member_scope(session, caller, alert))
