"""Queries for BIN reports: the BIN's recent alerts and its members' deliveries."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from binalert.models import Alert, Delivery, Member, Membership, SmsKind, SmsMessage

SCAN = 2000


def recent_alerts_of_bin(session: Session, bin_id: int, limit: int) -> list[Alert]:
    """The BIN's newest alerts (alerts keep their BINs as a JSON list: filtered here)."""
    rows = session.scalars(select(Alert).order_by(Alert.id.desc()).limit(SCAN))
    return [alert for alert in rows if bin_id in alert.bin_ids][:limit]


def deliveries_in_bin(
    session: Session, bin_id: int, alert_ids: Collection[int]
) -> Sequence[tuple[Delivery, Member]]:
    """Deliveries of the alerts to the BIN's (not erased) members, with the member."""
    query = (
        select(Delivery, Member)
        .join(Member, Member.id == Delivery.member_id)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id == bin_id, Delivery.alert_id.in_(list(alert_ids)))
        .order_by(Delivery.alert_id, Delivery.id)
    )
    return [(d, m) for d, m in session.execute(query)]


SMS_OF_DELIVERIES = (SmsKind.ALERT.value, SmsKind.FALLBACK.value)


def sms_by_alert(
    session: Session, bin_id: int, alert_ids: Collection[int]
) -> dict[int, dict[str, tuple[int, int]]]:
    """alert -> SMS status -> (SMS, parts submitted) of the alerts' SMS to the BIN's members
    (sms_messages.bin_id: the BIN the delivery was opened for)."""
    submitted = case((SmsMessage.submitted_at.is_not(None), SmsMessage.parts), else_=0)
    query = (
        select(SmsMessage.alert_id, SmsMessage.status, func.count(), func.sum(submitted))
        .where(
            SmsMessage.bin_id == bin_id,
            SmsMessage.alert_id.in_(list(alert_ids)),
            SmsMessage.kind.in_(SMS_OF_DELIVERIES),
        )
        .group_by(SmsMessage.alert_id, SmsMessage.status)
    )
    found: dict[int, dict[str, tuple[int, int]]] = {}
    for alert_id, status, n, parts in session.execute(query):
        if alert_id is not None:
            found.setdefault(alert_id, {})[status] = (int(n), int(parts or 0))
    return found
