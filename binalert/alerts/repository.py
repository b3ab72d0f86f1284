"""All queries on alerts, their deliveries and their statistics."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from binalert.models import (
    OPEN_DELIVERY_STATUSES,
    Alert,
    CallAttempt,
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Membership,
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


def count_by(session: Session, alert_id: int, column: object) -> dict[str, int]:
    query = (
        select(column, func.count())  # type: ignore[call-overload]
        .where(Delivery.alert_id == alert_id)
        .group_by(column)
    )
    return {str(key): int(n) for key, n in session.execute(query) if key is not None}


def first_ack(session: Session, alert_id: int) -> datetime | None:
    return session.scalar(
        select(func.min(Delivery.acknowledged_at)).where(Delivery.alert_id == alert_id)
    )


def _delivery_count(session: Session, alert_id: int, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Delivery).where(Delivery.alert_id == alert_id)
    return int(session.scalar(query.where(*where)) or 0)


def heard_on_call_back_count(session: Session, alert_id: int) -> int:
    """Deliveries not acknowledged whose member pressed 1 on a call back (unverified)."""
    return _delivery_count(
        session,
        alert_id,
        Delivery.heard_on_call_back_at.is_not(None),
        Delivery.status != DeliveryStatus.ACKNOWLEDGED.value,
    )


def untried_count(session: Session, alert_id: int) -> int:
    return _delivery_count(
        session, alert_id, Delivery.status == DeliveryStatus.PENDING.value, Delivery.attempts == 0
    )


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


def open_count(session: Session, alert_id: int) -> int:
    return _delivery_count(session, alert_id, Delivery.status.in_(OPEN_STATUSES))


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
