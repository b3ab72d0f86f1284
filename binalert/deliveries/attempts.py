"""All queries on call attempts (one row per Originate; its channel id is the Uniqueid)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from binalert.deliveries.tables import ATTEMPTS, DELIVERIES, AnyRow
from binalert.models import CallAttempt, CallDirection, Delivery
from store.db import on_postgres

_c = ATTEMPTS.c
_when = _c.answered_at.type  # a bound value inside coalesce() needs its type said


def lock_pbx(session: Session, pbx: str) -> None:
    """Serialise claims for one PBX until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway)."""
    if on_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:pbx))"), {"pbx": pbx})


LINE_SETTLING_SECONDS = 0.5
"""A call's line still counts as taken this long after its end is stored. Asterisk reports a
Hangup while it tears the channel down, and on a busy machine the channel outlives the event
for a moment: a line refilled at once can put one call more on the trunk than it has
channels for that moment (a chaos test under load counted 11 channels on a 10-channel PBX).
Half a second per call is about 1 % of a 45 s call's line time."""

_OPEN_COUNT = select(func.count()).where(
    _c.pbx == bindparam("pbx"),
    or_(_c.ended_at.is_(None), _c.ended_at > bindparam("settled")),
    _c.direction == CallDirection.OUTBOUND.value,
)


def open_attempt_count(session: Session, pbx: str, now: datetime) -> int:
    """Calls binalert placed on this PBX that are still open (by any worker), or ended less
    than LINE_SETTLING_SECONDS ago. Calls coming in (call backs among them) are counted on
    the PBX itself, live: the dialer reads them there (ivr.dialer) and hands them to the
    claim."""
    settled = now - timedelta(seconds=LINE_SETTLING_SECONDS)
    return session.connection().scalar(_OPEN_COUNT, {"pbx": pbx, "settled": settled}) or 0


def reserve_ids(session: Session, count: int) -> list[int]:
    """Ids for new call attempts, known before the insert (the channel id is made of it).
    PostgreSQL: from the table's sequence. SQLite: after max(id); the caller has written in
    this transaction already, so it holds SQLite's only write lock."""
    if on_postgres(session):
        return [int(i) for i in session.connection().scalars(_NEXT_IDS, {"n": count})]
    last = int(session.connection().scalar(_LAST_ID) or 0)
    return list(range(last + 1, last + 1 + count))


_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('call_attempts', 'id')) FROM generate_series(1, :n)"
)
_LAST_ID = select(func.coalesce(func.max(_c.id), 0))
_INSERT = insert(ATTEMPTS)


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    session.connection().execute(_INSERT, rows)


_KNOWN = select(_c.id).where(_c.channel_id == bindparam("cid"))


def known(session: Session, channel_id: str) -> bool:
    """Whether this call has an attempt already."""
    return session.connection().execute(_KNOWN, {"cid": channel_id}).first() is not None


_OF_CHANNEL = select(_c.id, _c.delivery_id, _c.direction).where(_c.channel_id == bindparam("cid"))


def of_channel(session: Session, channel_id: str) -> AnyRow | None:
    """This call's attempt: its (id, delivery_id, direction), or None for an unknown call."""
    return session.connection().execute(_OF_CHANNEL, {"cid": channel_id}).first()


def insert_once(session: Session, row: dict[str, Any]) -> bool:
    """One attempt, unless its channel id has one already (False): a call back that two
    dispatchers saw. ON CONFLICT DO NOTHING waits for the other insert instead of failing
    the transaction (and whatever else the store writer batched into it)."""
    dialect: Any = postgresql if on_postgres(session) else sqlite
    statement: Insert = dialect.insert(ATTEMPTS).values(**row).on_conflict_do_nothing()
    return session.connection().execute(statement.returning(_c.id)).first() is not None


_EXTEND_ATTEMPT = (
    update(ATTEMPTS)
    .where(_c.channel_id == bindparam("cid"), _c.ended_at.is_(None))
    .values(deadline=bindparam("until"))
)
_EXTEND_LEASE = (
    update(DELIVERIES)
    .where(DELIVERIES.c.id == bindparam("delivery"), DELIVERIES.c.claimed_by.is_not(None))
    .values(lease_until=bindparam("lease"))
)


def keep_alive(
    session: Session, channel_id: str, delivery_id: int, deadline: datetime, lease: datetime
) -> None:
    """A call that lasts longer (a member put through to the police): its deadline, and the
    claim of its delivery, move on, so no dispatcher hangs up on it or takes it over."""
    connection = session.connection()
    connection.execute(_EXTEND_ATTEMPT, {"cid": channel_id, "until": deadline})
    connection.execute(_EXTEND_LEASE, {"delivery": delivery_id, "lease": lease})


_INBOUND_SINCE = (
    select(func.count())
    .select_from(ATTEMPTS.join(DELIVERIES, DELIVERIES.c.id == _c.delivery_id))
    .where(
        _c.direction == CallDirection.INBOUND.value,
        DELIVERIES.c.member_id.in_(bindparam("members", expanding=True)),
        _c.started_at >= bindparam("since"),
    )
)


def call_backs_since(session: Session, member_ids: list[int], since: datetime) -> int:
    """How many call backs these members' deliveries had since then."""
    if not member_ids:
        return 0
    params = {"members": member_ids, "since": since}
    return session.connection().scalar(_INBOUND_SINCE, params) or 0


_INBOUND_OF = select(func.count()).where(
    _c.delivery_id == bindparam("delivery"), _c.direction == CallDirection.INBOUND.value
)


def call_backs_of(session: Session, delivery_id: int) -> int:
    return session.connection().scalar(_INBOUND_OF, {"delivery": delivery_id}) or 0


_CLOSE = (
    update(ATTEMPTS)
    .where(_c.channel_id == bindparam("cid"), _c.ended_at.is_(None))
    .values(
        ended_at=bindparam("ended"),
        outcome=bindparam("result"),
        hangup_cause=bindparam("cause"),
        answered_at=func.coalesce(_c.answered_at, bindparam("answered", type_=_when)),
    )
    .returning(_c.id, _c.delivery_id, _c.phone_index, _c.pbx, _c.direction, _c.digit)
)


def close(
    session: Session,
    channel_id: str,
    ended_at: datetime,
    outcome: str,
    hangup_cause: int | None = None,
    answered_at: datetime | None = None,
) -> AnyRow | None:
    """Close an open attempt once: its (id, delivery_id, phone_index, pbx, direction, digit),
    or None if it was unknown or already closed (idempotent replays). An answer time already
    recorded stays."""
    values = {"cid": channel_id, "ended": ended_at, "result": outcome}
    values |= {"cause": hangup_cause, "answered": answered_at}
    return session.connection().execute(_CLOSE, values).first()


_DIGIT = (
    update(ATTEMPTS)
    .where(_c.channel_id == bindparam("cid"))
    .values(
        digit=bindparam("key"),
        answered_at=func.coalesce(_c.answered_at, bindparam("at", type_=_when)),
    )
    .returning(_c.id, _c.delivery_id, _c.direction)
)


def set_digit(
    session: Session, channel_id: str, digit: str, answered_at: datetime
) -> AnyRow | None:
    """The key pressed on this call: its (id, delivery_id, direction), or None for an unknown
    call."""
    params = {"cid": channel_id, "key": digit, "at": answered_at}
    return session.connection().execute(_DIGIT, params).first()


def _open_on(pbx: str, *where: ColumnElement[bool]) -> Select[CallAttempt]:
    return (
        select(CallAttempt)
        .join(Delivery, Delivery.id == CallAttempt.delivery_id)
        .where(CallAttempt.ended_at.is_(None), CallAttempt.pbx == pbx, *where)
        .order_by(CallAttempt.id)
    )


_INBOUND = CallDirection.INBOUND.value


def open_attempts(session: Session, worker_id: str, pbx: str, now: datetime) -> list[CallAttempt]:
    """Attempts still open on this PBX that this worker owns, or whose owner's lease ran out,
    and the PBX's open call backs (members calling in: no claim, no lease)."""
    query = _open_on(
        pbx,
        or_(
            Delivery.claimed_by == worker_id,
            Delivery.lease_until < now,
            CallAttempt.direction == _INBOUND,
        ),
    )
    return list(session.scalars(query))


def expired_lease_attempts(session: Session, pbx: str, now: datetime) -> list[CallAttempt]:
    """Open attempts on this PBX whose worker's lease ran out (that worker died), and call
    backs past their deadline (the dispatcher that followed them died)."""
    overdue_call_back = and_(CallAttempt.direction == _INBOUND, CallAttempt.deadline < now)
    query = _open_on(pbx, or_(Delivery.lease_until < now, overdue_call_back))
    return list(session.scalars(query.limit(500)))
