"""All queries on alerts, their deliveries and their statistics.

Messages and follow-ups (non-urgent alerts, stored as alerts): who is called, what follows an
alert, which zone's part of a message waits for approval, and why a message was rejected.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session

from binalert.models import (
    OPEN_DELIVERY_STATUSES,
    Alert,
    AlertStatus,
    AuditLog,
    Bin,
    CallAttempt,
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Member,
    Membership,
    MessageApproval,
    SmsKind,
    SmsMessage,
    SmsReply,
)

OPEN_STATUSES = [s.value for s in OPEN_DELIVERY_STATUSES]


def add(session: Session, alert: Alert) -> Alert:
    session.add(alert)
    session.flush()
    return alert


def get(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id, populate_existing=True)


def by_idempotency_key(session: Session, key: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.idempotency_key == key))


def batch_after(session: Session, after_id: int, limit: int) -> Sequence[Alert]:
    query = select(Alert).where(Alert.id > after_id).order_by(Alert.id).limit(limit)
    return list(session.scalars(query))


def batch_before(session: Session, before_id: int | None, limit: int) -> Sequence[Alert]:
    """Newest first, older than before_id (None: from the newest)."""
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    return list(session.scalars(query))


def deliveries_page(
    session: Session,
    alert_id: int,
    member_bins: Collection[int] | None,
    after_id: int,
    limit: int,
) -> Sequence[Delivery]:
    query = select(Delivery).where(Delivery.alert_id == alert_id, Delivery.id > after_id)
    if member_bins is not None:
        query = query.where(Delivery.member_id.in_(_members_of(member_bins)))
    return list(session.scalars(query.order_by(Delivery.id).limit(limit)))


Scope = Collection[int] | None
"""The BINs whose members' deliveries a caller may see in an alert (alerts.service.member_scope);
None: all of them. Every count below is taken within it, so a zone never reads another
zone's numbers on a shared alert."""


def _of_alert(alert_id: int, member_bins: Scope) -> list[ColumnElement[bool]]:
    where = [Delivery.alert_id == alert_id]
    if member_bins is not None:
        where.append(Delivery.member_id.in_(_members_of(member_bins)))
    return where


def count_by(
    session: Session, alert_id: int, column: object, member_bins: Scope = None
) -> dict[str, int]:
    query = (
        select(column, func.count())  # type: ignore[call-overload]
        .where(*_of_alert(alert_id, member_bins))
        .group_by(column)
    )
    return {str(key): int(n) for key, n in session.execute(query) if key is not None}


def first_ack(session: Session, alert_id: int, member_bins: Scope = None) -> datetime | None:
    query = select(func.min(Delivery.acknowledged_at)).where(*_of_alert(alert_id, member_bins))
    return session.scalar(query)


def _delivery_count(
    session: Session, alert_id: int, *where: ColumnElement[bool], member_bins: Scope = None
) -> int:
    query = select(func.count()).select_from(Delivery).where(*_of_alert(alert_id, member_bins))
    return int(session.scalar(query.where(*where)) or 0)


def heard_on_call_back_count(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    """Deliveries not acknowledged whose member pressed 1 on a call back (unverified)."""
    return _delivery_count(
        session,
        alert_id,
        Delivery.heard_on_call_back_at.is_not(None),
        Delivery.status != DeliveryStatus.ACKNOWLEDGED.value,
        member_bins=member_bins,
    )


def untried_count(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    """Deliveries the dialers have still to call a first time (a delivery that only texts is
    no call to wait for)."""
    return _delivery_count(
        session,
        alert_id,
        Delivery.status == DeliveryStatus.PENDING.value,
        Delivery.attempts == 0,
        Delivery.call.is_(True),
        member_bins=member_bins,
    )


# The SMS of a delivery the police see (#22): the alert's own, or the BIN's fallback after its
# calls; never a member's service texts.
DELIVERY_SMS = (SmsKind.ALERT.value, SmsKind.FALLBACK.value)
SMS_ACK = "ack"  # sms_replies.action of a reply that acknowledged its delivery


def _sms_of_alert(alert_id: int, member_bins: Scope) -> list[ColumnElement[bool]]:
    where = [SmsMessage.alert_id == alert_id, SmsMessage.kind.in_(DELIVERY_SMS)]
    if member_bins is not None:
        where.append(SmsMessage.member_id.in_(_members_of(member_bins)))
    return where


def sms_counts(session: Session, alert_id: int, member_bins: Scope = None) -> dict[str, int]:
    """The alert's SMS by status (queued, sent, delivered, no_receipt, ...)."""
    query = (
        select(SmsMessage.status, func.count())
        .where(*_sms_of_alert(alert_id, member_bins))
        .group_by(SmsMessage.status)
    )
    return {str(status): int(n) for status, n in session.execute(query)}


def sms_parts_total(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    """The parts of the alert's SMS that went to the SMSC (each is paid for)."""
    query = select(func.coalesce(func.sum(SmsMessage.parts), 0)).where(
        *_sms_of_alert(alert_id, member_bins), SmsMessage.submitted_at.is_not(None)
    )
    return int(session.scalar(query) or 0)


def acknowledged_by_sms(session: Session, delivery_ids: Collection[int]) -> set[int]:
    """Of these deliveries, those a member's SMS reply acknowledged."""
    if not delivery_ids:
        return set()
    query = select(SmsReply.delivery_id).where(
        SmsReply.delivery_id.in_(list(delivery_ids)), SmsReply.action == SMS_ACK
    )
    return {int(d) for d in session.scalars(query) if d is not None}


def texted_only_count(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    return _delivery_count(session, alert_id, Delivery.call.is_(False), member_bins=member_bins)


def acknowledged_by_sms_count(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    acked = select(SmsReply.delivery_id).where(SmsReply.action == SMS_ACK)
    return _delivery_count(
        session,
        alert_id,
        Delivery.status == DeliveryStatus.ACKNOWLEDGED.value,
        Delivery.id.in_(acked),
        member_bins=member_bins,
    )


def sms_of_deliveries(
    session: Session, delivery_ids: Collection[int]
) -> dict[int, tuple[str, int, str]]:
    """Each delivery's newest SMS (the alert's or the fallback): (status, parts, kind)."""
    if not delivery_ids:
        return {}
    query = (
        select(SmsMessage.delivery_id, SmsMessage.status, SmsMessage.parts, SmsMessage.kind)
        .where(SmsMessage.delivery_id.in_(list(delivery_ids)), SmsMessage.kind.in_(DELIVERY_SMS))
        .order_by(SmsMessage.id)
    )
    rows = session.execute(query)
    return {d: (status, parts, kind) for d, status, parts, kind in rows if d is not None}


def recent_call_spans(session: Session, limit: int = 300) -> list[tuple[datetime, datetime]]:
    query = (
        select(CallAttempt.started_at, CallAttempt.ended_at)
        .where(CallAttempt.ended_at.is_not(None), CallAttempt.outcome.is_not(None))
        .order_by(CallAttempt.id.desc())
        .limit(limit)
    )
    return [(start, end) for start, end in session.execute(query) if end is not None]


def events_after(
    session: Session,
    alert_id: int,
    after_id: int,
    limit: int,
    member_bins: Collection[int] | None = None,
) -> list[DeliveryEvent]:
    """The alert's events after this id; with member_bins, the alert's own events and those
    of deliveries to members of these BINs only."""
    query = select(DeliveryEvent).where(
        DeliveryEvent.alert_id == alert_id, DeliveryEvent.id > after_id
    )
    if member_bins is not None:
        scoped = select(Delivery.id).where(
            Delivery.alert_id == alert_id, Delivery.member_id.in_(_members_of(member_bins))
        )
        query = query.where(
            or_(DeliveryEvent.delivery_id.is_(None), DeliveryEvent.delivery_id.in_(scoped))
        )
    return list(session.scalars(query.order_by(DeliveryEvent.id).limit(limit)))


def _members_of(bin_ids: Collection[int]) -> Select[int]:
    return select(Membership.member_id).where(Membership.bin_id.in_(list(bin_ids)))


def deliveries_only_in(
    session: Session, alert_id: int, bins: Collection[int], other_bins: Collection[int]
) -> list[int]:
    """The alert's deliveries to members of `bins` who are in none of `other_bins`."""
    query = select(Delivery.id).where(
        Delivery.alert_id == alert_id,
        Delivery.member_id.in_(_members_of(bins)),
        Delivery.member_id.not_in(_members_of(other_bins)),
    )
    return list(session.scalars(query.order_by(Delivery.id)))


def open_count(session: Session, alert_id: int, member_bins: Scope = None) -> int:
    return _delivery_count(
        session, alert_id, Delivery.status.in_(OPEN_STATUSES), member_bins=member_bins
    )


def status_counts(session: Session) -> dict[str, int]:
    query = select(Alert.status, func.count()).group_by(Alert.status)
    return {str(status): int(n) for status, n in session.execute(query)}


def outcome_counts(session: Session) -> dict[str, int]:
    query = (
        select(CallAttempt.outcome, func.count())
        .where(CallAttempt.outcome.is_not(None))
        .group_by(CallAttempt.outcome)
    )
    return {str(outcome): int(n) for outcome, n in session.execute(query)}


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


def sms_candidates(
    session: Session,
    bin_ids: Collection[int],
    column: str,
    calling_bins: Collection[int],
    fallback_bins: Collection[int],
) -> Sequence[Any]:
    """(id, bin_id, phone, second_phone, urgent_channels, message_channels) of the active
    members of these BINs who have not stopped SMS and may be texted by an alert: their
    `column` (urgent_channels or message_channels) says sms or both, or says nothing in a BIN
    whose default is not a call, or their BIN texts those its calls did not reach; by member
    then BIN, as members_in_bins."""
    chosen = getattr(Member, column)
    wants = or_(
        chosen.in_(["sms", "both"]),
        chosen.is_(None) & Membership.bin_id.not_in(list(calling_bins)),
        Membership.bin_id.in_(list(fallback_bins)),
    )
    query = (
        select(
            Member.id,
            Membership.bin_id,
            Member.phone,
            Member.second_phone,
            Member.urgent_channels,
            Member.message_channels,
        )
        .join(Membership, Membership.member_id == Member.id)
        .where(
            Membership.bin_id.in_(list(bin_ids)),
            Member.active.is_(True),
            Member.sms_stopped_at.is_(None),
            wants,
        )
        .order_by(Member.id, Membership.bin_id)
    )
    return list(session.execute(query))


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
