"""All queries on deliveries (and their alerts' state). Transitions are guarded updates."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ClauseElement,
    Update,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from binalert.deliveries import machine
from binalert.deliveries.machine import Event
from binalert.deliveries.tables import (
    ALERTS,
    DELIVERIES,
    OPEN,
    SNAPSHOT,
    AnyRow,
    dialable,
    status_in,
    waiting,
)
from binalert.deliveries.two_way import CALLBACK_ALERT_STATUSES, CallBackTarget
from binalert.errors import Conflict
from binalert.models import (
    Alert,
    AlertStatus,
    Bin,
    CallOutcome,
    DeliveryStatus,
    MessageApproval,
)
from store.sqlhints import not_indexed

_d, _a = DELIVERIES.c, ALERTS.c
ACTIVE = AlertStatus.ACTIVE.value
ACKNOWLEDGED = DeliveryStatus.ACKNOWLEDGED.value


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
        dialable(),  # never a delivery that only texts (#22)
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
    .where(dialable(), not_indexed(_a.status) == ACTIVE)
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


_AWAITS = (
    select(MessageApproval.id)
    .where(
        MessageApproval.alert_id == bindparam("alert"),
        MessageApproval.status == AlertStatus.AWAITING_APPROVAL.value,
    )
    .limit(1)
)


def awaits_approval(session: Session, alert_id: int) -> bool:
    """A zone's part of this message still awaits approval (binalert.alerts.messages)."""
    return session.connection().scalar(_AWAITS, {"alert": alert_id}) is not None


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


_INSERT = insert(DELIVERIES)


def bin_channels(session: Session, bin_ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """Each BIN's default channels: (urgent, message)."""
    if not bin_ids:
        return {}
    query = select(Bin.id, Bin.urgent_channels, Bin.message_channels).where(
        Bin.id.in_(list(bin_ids))
    )
    return {row.id: (row.urgent_channels, row.message_channels) for row in session.execute(query)}


def insert_deliveries(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """New deliveries (lifecycle.open_deliveries builds the rows), in one statement."""
    if rows:
        session.connection().execute(_INSERT, list(rows))


def snapshot(session: Session, delivery_id: int) -> AnyRow:
    """The delivery as an event shows it (SNAPSHOT), unchanged."""
    row = session.connection().execute(select(*SNAPSHOT).where(_d.id == delivery_id)).first()
    if row is None:
        raise LookupError(f"delivery {delivery_id} not found")
    return row


def snapshots(session: Session, delivery_ids: Sequence[int]) -> dict[int, AnyRow]:
    """Deliveries as events show them (SNAPSHOT), by id."""
    if not delivery_ids:
        return {}
    query = select(*SNAPSHOT).where(_d.id.in_(list(delivery_ids)))
    return {row.id: row for row in session.connection().execute(query)}


_MARK_TRANSFERRED = (
    update(DELIVERIES)
    .where(
        _d.id == bindparam("delivery"),
        _d.status == ACKNOWLEDGED,
        _d.transferred_at.is_(None),
    )
    .values(transferred_at=bindparam("at"), last_outcome=CallOutcome.TRANSFERRED.value)
    .returning(*SNAPSHOT)
)


def mark_transferred(session: Session, delivery_id: int, now: datetime) -> AnyRow | None:
    """A delivery acknowledged before (a 1) whose member pressed 3 now: put through as well;
    None when that is known already. The status stays acknowledged."""
    params = {"delivery": delivery_id, "at": now}
    return session.connection().execute(_MARK_TRANSFERRED, params).first()


_HEARD_ON_CALL_BACK = (
    update(DELIVERIES)
    .where(
        _d.id == bindparam("delivery"),
        _d.status != ACKNOWLEDGED,
        _d.heard_on_call_back_at.is_(None),
    )
    .values(
        heard_on_call_back_at=bindparam("at"),
        last_outcome=CallOutcome.CALLBACK_UNVERIFIED.value,
    )
    .returning(*SNAPSHOT)
)


def mark_heard_on_call_back(session: Session, delivery_id: int, now: datetime) -> AnyRow | None:
    """A 1 on a call back (unverified): noted once, the status stays; None when the delivery
    is acknowledged already or was heard on a call back before."""
    params = {"delivery": delivery_id, "at": now}
    return session.connection().execute(_HEARD_ON_CALL_BACK, params).first()


def hold_retry(session: Session, delivery_id: int, until: datetime) -> None:
    """A waiting delivery is not dialled before `until` (its member is on a call back)."""
    later = case((_d.next_attempt_at < until, until), else_=_d.next_attempt_at)
    query = update(DELIVERIES).where(_d.id == delivery_id, waiting(_d.status))
    session.connection().execute(query.values(next_attempt_at=later))


def call_now(session: Session, delivery_id: int, now: datetime, phone_index: int) -> AnyRow | None:
    """A waiting delivery falls due now, on this phone (None: it does not wait)."""
    query = (
        update(DELIVERIES)
        .where(_d.id == delivery_id, waiting(_d.status))
        .values(next_attempt_at=now, next_phone_index=phone_index)
        .returning(*SNAPSHOT)
    )
    return session.connection().execute(query).first()


def newest_for_call_back(
    session: Session, member_ids: Sequence[int], e164: str, since: datetime
) -> CallBackTarget | None:
    """The delivery of the newest alert (created since `since`, not cancelled) that any of
    these members has; of several on that alert (two members sharing a phone), one not
    acknowledged yet first. Its phone index is that of `e164` (0 if it is not one of them)."""
    if not member_ids:
        return None
    acknowledged_last = case((_d.status == ACKNOWLEDGED, 1), else_=0)
    query = (
        select(_d.id, _d.alert_id, _d.member_id, _d.language, _d.status, _d.phones)
        .join_from(DELIVERIES, ALERTS, _a.id == _d.alert_id)
        .where(
            _d.member_id.in_(list(member_ids)),
            _a.created_at >= since,
            _a.status.in_(CALLBACK_ALERT_STATUSES),
        )
        .order_by(_a.created_at.desc(), _a.id.desc(), acknowledged_last, _d.id)
        .limit(1)
    )
    row = session.connection().execute(query).first()
    if row is None:
        return None
    phones = list(row.phones or [])
    phone_index = phones.index(e164) if e164 in phones else 0
    found = (row.id, row.alert_id, row.member_id, row.language, row.status)
    return CallBackTarget(*found, phone_index=phone_index)


def of_member(session: Session, member_id: int) -> list[int]:
    return list(session.scalars(select(_d.id).where(_d.member_id == member_id)))


def forget_member(session: Session, member_id: int) -> None:
    """The member's deliveries stay as anonymous outcomes: no member, no number."""
    query = update(DELIVERIES).where(_d.member_id == member_id)
    session.connection().execute(query.values(member_id=None, phones=[], sms_phone=None))
