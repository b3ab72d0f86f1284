"""All queries on deliveries and call attempts. Transitions are guarded updates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from binalert.models import (
    OPEN_DELIVERY_STATUSES,
    Alert,
    AlertStatus,
    CallAttempt,
    Delivery,
    DeliveryStatus,
)


class TransitionConflict(RuntimeError):
    """The guarded update matched no row: the delivery was not in an allowed state."""


@dataclass(frozen=True)
class ClaimedCall:
    """What the dialer needs to place one call, as claimed in the store."""

    attempt_id: int
    channel_id: str
    delivery_id: int
    alert_id: int
    phone: str
    phone_index: int
    phone_count: int
    round_number: int
    language: str
    deadline: datetime


def transition(
    session: Session,
    delivery_id: int,
    allowed_from: Sequence[str],
    to: str,
    **values: Any,
) -> None:
    """UPDATE ... WHERE id = ? AND status IN (allowed_from); a miss raises TransitionConflict."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_([str(s) for s in allowed_from]))
        .values(status=str(to), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise TransitionConflict(f"delivery {delivery_id}: not in {list(allowed_from)} for {to}")


def due_deliveries(session: Session, now: datetime, limit: int) -> list[Delivery]:
    """Deliveries to call now: urgent alerts first, first attempts before retries.

    On PostgreSQL the rows are locked with SKIP LOCKED, so several workers never
    claim the same delivery; SQLite (one process) ignores the lock clause.
    """
    query = (
        select(Delivery)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(
            Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.WAITING_RETRY.value]),
            Delivery.next_attempt_at <= now,
            Alert.status == AlertStatus.ACTIVE.value,
            Alert.valid_until > now,
        )
        .order_by(
            Delivery.urgent.desc(),
            Delivery.attempts,
            Delivery.next_attempt_at,
            Delivery.id,
        )
        .limit(limit)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    return list(session.scalars(query, execution_options={"populate_existing": True}))


def next_due_time(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(Delivery.next_attempt_at))
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(
            Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.WAITING_RETRY.value]),
            Alert.status == AlertStatus.ACTIVE.value,
        )
    )


def lock_pbx(session: Session, pbx: str) -> None:
    """Serialise claims for one PBX until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:pbx))"), {"pbx": pbx})


def open_attempt_count(session: Session, pbx: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(CallAttempt)
            .where(CallAttempt.pbx == pbx, CallAttempt.ended_at.is_(None))
        )
        or 0
    )


def add_attempt(session: Session, attempt: CallAttempt) -> CallAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def get_delivery(session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id, populate_existing=True)
    if delivery is None:
        raise LookupError(f"delivery {delivery_id} not found")
    return delivery


def attempt_by_channel(session: Session, channel_id: str) -> CallAttempt | None:
    return session.scalar(select(CallAttempt).where(CallAttempt.channel_id == channel_id))


def finish_attempt(session: Session, attempt_id: int, **values: Any) -> bool:
    """Close an attempt once; False if it was already closed (idempotent replays)."""
    result = session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == attempt_id, CallAttempt.ended_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def set_attempt_digit(session: Session, attempt_id: int, digit: str, answered_at: datetime) -> None:
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == attempt_id)
        .values(digit=digit, answered_at=func.coalesce(CallAttempt.answered_at, answered_at))
        .execution_options(synchronize_session=False)
    )


def open_attempts(session: Session, worker_id: str, pbx: str, now: datetime) -> list[CallAttempt]:
    """Attempts still open on this PBX that this worker owns, or whose owner's lease ran out."""
    query = (
        select(CallAttempt)
        .join(Delivery, Delivery.id == CallAttempt.delivery_id)
        .where(
            CallAttempt.ended_at.is_(None),
            CallAttempt.pbx == pbx,
            or_(Delivery.claimed_by == worker_id, Delivery.lease_until < now),
        )
        .order_by(CallAttempt.id)
    )
    return list(session.scalars(query))


def expired_lease_attempts(session: Session, pbx: str, now: datetime) -> list[CallAttempt]:
    """Open attempts on this PBX whose worker's lease ran out (that worker died)."""
    query = (
        select(CallAttempt)
        .join(Delivery, Delivery.id == CallAttempt.delivery_id)
        .where(
            CallAttempt.ended_at.is_(None),
            CallAttempt.pbx == pbx,
            Delivery.lease_until < now,
        )
        .order_by(CallAttempt.id)
        .limit(500)
    )
    return list(session.scalars(query))


def alert(session: Session, alert_id: int) -> Alert:
    found = session.get(Alert, alert_id, populate_existing=True)
    if found is None:
        raise LookupError(f"alert {alert_id} not found")
    return found


def has_open_deliveries(session: Session, alert_id: int) -> bool:
    found = session.scalar(
        select(Delivery.id)
        .where(
            Delivery.alert_id == alert_id,
            Delivery.status.in_([s.value for s in OPEN_DELIVERY_STATUSES]),
        )
        .limit(1)
    )
    return found is not None


def expired_delivery_count(session: Session, alert_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.alert_id == alert_id, Delivery.status == DeliveryStatus.EXPIRED.value)
        )
        or 0
    )


def close_alert(session: Session, alert_id: int, status: AlertStatus, now: datetime) -> bool:
    """Active -> completed/expired, once (guarded); False if it was not active any more."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == AlertStatus.ACTIVE.value)
        .values(status=status.value, completed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def waiting_deliveries(session: Session, alert_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Delivery.id).where(
                Delivery.alert_id == alert_id,
                Delivery.status.in_(
                    [DeliveryStatus.PENDING.value, DeliveryStatus.WAITING_RETRY.value]
                ),
            )
        )
    )


def overdue_alert_ids(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Alert.id).where(
                Alert.status == AlertStatus.ACTIVE.value, Alert.valid_until <= now
            )
        )
    )


def active_alert_ids_without_open(session: Session) -> list[int]:
    open_exists = (
        select(Delivery.id)
        .where(
            Delivery.alert_id == Alert.id,
            Delivery.status.in_([s.value for s in OPEN_DELIVERY_STATUSES]),
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Alert.id).where(and_(Alert.status == AlertStatus.ACTIVE.value, ~open_exists))
        )
    )


def lease_until(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
