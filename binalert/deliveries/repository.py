"""All queries on deliveries (and their alerts' state). Transitions are guarded updates."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, Update, bindparam, case, func, or_, select, true, update
from sqlalchemy.orm import Session

from binalert.deliveries import machine
from binalert.deliveries.machine import Event
from binalert.deliveries.tables import (
    ALERTS,
    DELIVERIES,
    OPEN,
    SNAPSHOT,
    AnyRow,
    status_in,
    waiting,
)
from binalert.errors import Conflict
from binalert.models import Alert, AlertStatus, DeliveryStatus
from store.sqlhints import not_indexed

_d, _a = DELIVERIES.c, ALERTS.c
ACTIVE = AlertStatus.ACTIVE.value


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
    number: int = 1  # the delivery's attempt number this call is


@functools.lru_cache(maxsize=128)
def _transition(allowed: tuple[str, ...], to: str, keys: tuple[str, ...]) -> Update:
    return (
        update(DELIVERIES)
        .where(_d.id == bindparam("delivery"), status_in(_d.status, allowed))
        .values(status=to, **{key: bindparam(f"new_{key}") for key in keys})
        .returning(*SNAPSHOT)
    )


def transition(session: Session, delivery_id: int, event: Event, **values: Any) -> AnyRow:
    """The table's move for `event`: UPDATE ... WHERE id = ? AND status IN (its from-states)
    RETURNING the delivery as changed; a miss raises Conflict. Values may be SQL expressions
    (e.g. attempts - 1)."""
    allowed = tuple(s.value for s in machine.sources(event))
    return _guarded(session, delivery_id, allowed, machine.target(event).value, values)


def end_claim(session: Session, delivery_id: int, status: str, **values: Any) -> AnyRow:
    """A call of a delivery already closed (acknowledged or reconciled meanwhile) ended:
    only the claim ends, the status stays what it is (guarded on it)."""
    return _guarded(session, delivery_id, (status,), status, values)


def _guarded(
    session: Session, delivery_id: int, allowed: tuple[str, ...], to: str, values: dict[str, Any]
) -> AnyRow:
    params: dict[str, Any] = {"delivery": delivery_id}
    if any(isinstance(value, ClauseElement) for value in values.values()):
        statement = _transition(allowed, to, ()).values(**values)
    else:
        statement = _transition(allowed, to, tuple(sorted(values)))
        params |= {f"new_{key}": value for key, value in values.items()}
    row = session.connection().execute(statement, params).first()
    if row is None:
        raise Conflict(f"delivery {delivery_id}: not in {list(allowed)} for {to}")
    return row


# Read in the order of ix_deliveries_queue: no sort of every waiting delivery per claim.
_DUE = (
    select(_d.id)
    .join_from(DELIVERIES, ALERTS, _a.id == _d.alert_id)
    .where(
        waiting(_d.status),
        not_indexed(_d.next_attempt_at) <= bindparam("now"),
        not_indexed(_a.status) == ACTIVE,
        _a.valid_until > bindparam("now"),
        or_(
            _d.avoid_pbx.is_(None),
            _d.avoid_pbx != bindparam("pbx"),
            _d.next_attempt_at <= bindparam("avoid_until"),
        ),
    )
    .order_by(_d.urgent.desc(), _d.attempts, _d.next_attempt_at, _d.id)
    .limit(bindparam("limit"))
    .with_for_update(of=DELIVERIES, skip_locked=True)
)
# Urgent deliveries only (the head of ix_deliveries_queue): while non-urgent calls hold
# their share of a PBX's channels (deliveries.hours).
_DUE_URGENT = _DUE.where(_d.urgent == true())


@functools.lru_cache(maxsize=8)
def _claim(allowed: tuple[str, ...], to: str) -> Update:
    new_round = case((_d.next_phone_index == 0, _d.rounds + 1), (_d.rounds < 1, 1), else_=_d.rounds)
    return (
        update(DELIVERIES)
        .where(_d.id.in_(bindparam("ids", expanding=True)), status_in(_d.status, allowed))
        .values(
            status=to,
            attempts=_d.attempts + 1,
            rounds=new_round,
            claimed_by=bindparam("worker"),
            lease_until=bindparam("lease"),
        )
        .returning(*SNAPSHOT, _d.rounds, _d.phones, _d.next_phone_index, _d.urgent, _d.bin_id)
    )


def claim_due(
    session: Session,
    now: datetime,
    limit: int,
    worker_id: str,
    lease_until: datetime,
    pbx: str = "",
    avoid_until: datetime | None = None,
    urgent_only: bool = False,
) -> list[AnyRow]:
    """Claim up to `limit` due deliveries: urgent alerts first, first attempts before
    retries; attempts + 1, and a new round when the first number is dialled. Returns the
    rows claimed in that order (snapshot columns, rounds, phones, next_phone_index, urgent,
    bin_id). On PostgreSQL the rows are chosen with SKIP LOCKED, so several workers never
    claim the same delivery; SQLite (one writer at a time) has no lock clause.
    `urgent_only`: leave non-urgent deliveries waiting.

    The rows are chosen by one SELECT, then exactly those are updated: never more than
    `limit`, whatever plan PostgreSQL picks. (As one `UPDATE ... WHERE id IN (SELECT ...
    LIMIT n FOR UPDATE SKIP LOCKED)`, a plan that rescans the subquery for each row of the
    outer scan, which PostgreSQL picks when its statistics say few deliveries wait, skips
    the rows the UPDATE itself already changed on every rescan and takes the next n: one
    claim of 20 claimed every waiting delivery, far beyond the PBX's channel limit.)
    """
    due = _DUE_URGENT if urgent_only else _DUE
    choice = {"now": now, "limit": limit, "pbx": pbx, "avoid_until": avoid_until or now}
    ids = list(session.connection().scalars(due, choice))  # pbx "": nothing avoided
    if not ids:
        return []
    allowed = tuple(s.value for s in machine.sources(Event.CLAIM))
    statement = _claim(allowed, machine.target(Event.CLAIM).value)
    params = {"ids": ids, "worker": worker_id, "lease": lease_until}
    rows = list(session.connection().execute(statement, params).all())
    rows.sort(key=lambda r: (not r.urgent, r.attempts, r.next_attempt_at, r.id))
    return rows


_NEXT_DUE = (  # the first entry of ix_deliveries_next whose alert is active
    select(_d.next_attempt_at)
    .join_from(DELIVERIES, ALERTS, _a.id == _d.alert_id)
    .where(waiting(_d.status), not_indexed(_a.status) == ACTIVE)
    .order_by(_d.next_attempt_at)
    .limit(1)
)


def next_due_time(session: Session) -> datetime | None:
    return session.connection().scalar(_NEXT_DUE)


_CALL_CONTEXT = (
    select(
        _d.id,
        _d.alert_id,
        _d.status,
        _d.attempts,
        _d.rounds,
        _d.reached,
        _d.phones,
        _d.urgent,
        _d.bin_id,
        _a.status.label("alert_status"),
        _a.valid_until,
    )
    .join_from(DELIVERIES, ALERTS, _a.id == _d.alert_id)
    .where(_d.id == bindparam("delivery"))
    .with_for_update(of=DELIVERIES)
)


def call_context(session: Session, delivery_id: int) -> AnyRow:
    """What deciding the next step after a call needs: the delivery (locked on PostgreSQL
    until the transaction ends) and its alert's state."""
    row: AnyRow | None = (
        session.connection().execute(_CALL_CONTEXT, {"delivery": delivery_id}).first()
    )
    if row is None:
        raise LookupError(f"delivery {delivery_id} not found")
    return row


def alert(session: Session, alert_id: int) -> Alert:
    found = session.get(Alert, alert_id, populate_existing=True)
    if found is None:
        raise LookupError(f"alert {alert_id} not found")
    return found


_HAS_OPEN = (
    select(_d.id).where(_d.alert_id == bindparam("alert"), status_in(_d.status, OPEN)).limit(1)
)


def has_open_deliveries(session: Session, alert_id: int) -> bool:
    return session.connection().scalar(_HAS_OPEN, {"alert": alert_id}) is not None


def expired_delivery_count(session: Session, alert_id: int) -> int:
    query = select(func.count()).where(
        _d.alert_id == alert_id, _d.status == DeliveryStatus.EXPIRED.value
    )
    return session.scalar(query) or 0


_CLOSE_ALERT = (
    update(ALERTS)
    .where(_a.id == bindparam("alert"), _a.status == ACTIVE)
    .values(status=bindparam("new_status"), completed_at=bindparam("at"))
)


def close_alert(session: Session, alert_id: int, status: AlertStatus, now: datetime) -> bool:
    """Active -> completed/expired/cancelled, once (guarded); False if it was not active."""
    params: Mapping[str, Any] = {"alert": alert_id, "new_status": status.value, "at": now}
    result = session.connection().execute(_CLOSE_ALERT, params)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def waiting_deliveries(session: Session, alert_id: int) -> list[int]:
    query = select(_d.id).where(_d.alert_id == alert_id, waiting(_d.status))
    return list(session.scalars(query))


def stop_dialling(session: Session, delivery_ids: Sequence[int]) -> None:
    """No more calls for these open deliveries: without numbers, a call in progress ends
    cancelled (lifecycle._after_unacknowledged_call), a waiting one is never claimed."""
    if delivery_ids:
        query = update(DELIVERIES).where(_d.id.in_(list(delivery_ids)), status_in(_d.status, OPEN))
        session.connection().execute(query.values(phones=[]))


def overdue_alert_ids(session: Session, now: datetime) -> list[int]:
    query = select(_a.id).where(_a.status == ACTIVE, _a.valid_until <= now)
    return list(session.scalars(query))
