"""Queries for messages and follow-ups: who is called, what follows an alert, which zone's
part of a message waits for approval, and why a message was rejected."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from binalert.models import (
    Alert,
    AlertStatus,
    AuditLog,
    Bin,
    Delivery,
    DeliveryStatus,
    Member,
    Membership,
    MessageApproval,
)

SCAN = 2000  # alerts keep their BINs as a JSON list: the newest are read and filtered


def members_in_bins(
    session: Session, bin_ids: Collection[int], only: Any = None, not_of: int | None = None
) -> Sequence[tuple[Member, int]]:
    """(active member, one of `bin_ids` they are in), by member then BIN; `only`: a select
    of member ids to keep; `not_of`: an alert whose members (already called) are left out."""
    query = (
        select(Member, Membership.bin_id)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id.in_(list(bin_ids)), Member.active.is_(True))
        .order_by(Member.id, Membership.bin_id)
    )
    if only is not None:
        query = query.where(Member.id.in_(only))
    if not_of is not None:
        called = select(Delivery.member_id).where(
            Delivery.alert_id == not_of, Delivery.member_id.is_not(None)
        )
        query = query.where(Member.id.not_in(called))
    return [(member, bin_id) for member, bin_id in session.execute(query)]


def members_called_by(session: Session, alert_id: int, acknowledged_only: bool) -> Any:
    """A select of the members an alert was for; with `acknowledged_only`, those who pressed
    1 or were put through to the police."""
    query = select(Delivery.member_id).where(
        Delivery.alert_id == alert_id, Delivery.member_id.is_not(None)
    )
    if acknowledged_only:
        query = query.where(
            or_(
                Delivery.status == DeliveryStatus.ACKNOWLEDGED.value,
                Delivery.transferred_at.is_not(None),
            )
        )
    return query


def bins(session: Session, bin_ids: Collection[int]) -> list[Bin]:
    return list(session.scalars(select(Bin).where(Bin.id.in_(list(bin_ids))).order_by(Bin.id)))


def follow_ups(session: Session, alert_id: int) -> list[Alert]:
    query = select(Alert).where(Alert.parent_id == alert_id).order_by(Alert.id)
    return list(session.scalars(query))


def recent_messages(session: Session, status: str | None) -> list[Alert]:
    """The newest non-urgent messages (not follow-ups), newest first."""
    query = select(Alert).where(Alert.urgent.is_(False), Alert.parent_id.is_(None))
    if status is not None:
        query = query.where(Alert.status == status)
    return list(session.scalars(query.order_by(Alert.id.desc()).limit(SCAN)))


def decide(
    session: Session, alert_id: int, status: AlertStatus, by: str | None, at: datetime
) -> bool:
    """awaiting_approval -> active or rejected, once (guarded): False if it was decided
    before (a message spanning zones becomes active with the first zone that approves)."""
    values: dict[str, Any] = {"status": status.value, "decided_by": by, "decided_at": at}
    if status is AlertStatus.REJECTED:
        values["completed_at"] = at
    statement = (
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == AlertStatus.AWAITING_APPROVAL.value)
        .values(**values)
    )
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def decision_note(session: Session, alert_id: int) -> str | None:
    """The reason given with the last approval or rejection of this message (audit log)."""
    query = (
        select(AuditLog.detail)
        .where(
            AuditLog.target == f"alert:{alert_id}",
            AuditLog.action.in_(("message.approve", "message.reject")),
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    detail = session.scalar(query)
    reason = (detail or {}).get("reason")
    return str(reason) if reason else None


# -- each zone's part of a message (#21 point 4) ---------------------------------------------

AWAITING = AlertStatus.AWAITING_APPROVAL.value


def locked(session: Session, alert_id: int) -> Alert:
    """The message, read again and locked (PostgreSQL) until the transaction ends: two zones
    approving at once schedule one after the other (no member twice, no validity lost)."""
    query = select(Alert).where(Alert.id == alert_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one()


def add_parts(session: Session, alert_id: int, zones: Collection[str], validity: int) -> None:
    """One awaiting part per zone that must approve; `validity` in seconds."""
    for zone in sorted(zones):
        session.add(
            MessageApproval(
                alert_id=alert_id, police_zone=zone, status=AWAITING, validity_seconds=validity
            )
        )
    session.flush()


def parts(session: Session, alert_ids: Collection[int]) -> list[MessageApproval]:
    query = select(MessageApproval).where(MessageApproval.alert_id.in_(list(alert_ids)))
    return list(
        session.scalars(query.order_by(MessageApproval.alert_id, MessageApproval.police_zone))
    )


def decide_part(
    session: Session,
    alert_id: int,
    zone: str,
    status: AlertStatus,
    by: str,
    at: datetime,
    reason: str | None,
) -> bool:
    """A zone's part: awaiting -> active (approved) or rejected, once (guarded)."""
    statement = (
        update(MessageApproval)
        .where(
            MessageApproval.alert_id == alert_id,
            MessageApproval.police_zone == zone,
            MessageApproval.status == AWAITING,
        )
        .values(status=status.value, decided_by=by, decided_at=at, reason=reason)
    )
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def awaiting_messages(session: Session, zones: Collection[str] | None) -> list[Alert]:
    """The newest messages with a part awaiting approval in one of `zones` (None: any)."""
    waiting = select(MessageApproval.alert_id).where(MessageApproval.status == AWAITING)
    if zones is not None:
        waiting = waiting.where(MessageApproval.police_zone.in_(list(zones)))
    query = select(Alert).where(Alert.id.in_(waiting)).order_by(Alert.id.desc()).limit(SCAN)
    return list(session.scalars(query))
