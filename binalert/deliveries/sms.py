"""All statements on SMS (#22): sms_messages, sms_parts, sms_replies. Only the delivery
lifecycle uses the writing ones (tests/test_single_writer.py); every status change is a
guarded `UPDATE ... WHERE status IN (...)`: zero rows is someone else first, never an
overwrite."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, exists, false, func, insert, select, true, update
from sqlalchemy.orm import Session

from binalert.deliveries.tables import ALERTS, DELIVERIES, AnyRow, status_in, waiting
from binalert.models import (
    AlertStatus,
    Bin,
    DeliveryStatus,
    SmsKind,
    SmsMessage,
    SmsPart,
    SmsReply,
    SmsStatus,
)

SMS_MESSAGES: Table = SmsMessage.__table__  # type: ignore[assignment]
SMS_PARTS: Table = SmsPart.__table__  # type: ignore[assignment]
SMS_REPLIES: Table = SmsReply.__table__  # type: ignore[assignment]
_m, _p, _r, _d, _a = SMS_MESSAGES.c, SMS_PARTS.c, SMS_REPLIES.c, DELIVERIES.c, ALERTS.c

QUEUED = SmsStatus.QUEUED.value
SUBMITTING = SmsStatus.SUBMITTING.value
SENT = SmsStatus.SENT.value
UNKNOWN = SmsStatus.UNKNOWN.value
ACKNOWLEDGED = DeliveryStatus.ACKNOWLEDGED.value
TO_MEMBERS = (SmsKind.ALERT.value, SmsKind.FALLBACK.value)  # an alert's text, a reply 1 counts

# What the worker and the events need of an SMS.
COLUMNS = (
    _m.id,
    _m.kind,
    _m.delivery_id,
    _m.alert_id,
    _m.member_id,
    _m.phone,
    _m.language,
    _m.text,
    _m.encoding,
    _m.parts,
    _m.status,
    _m.tries,
    _m.submitted_at,
    _m.finished_at,
)


def insert_message(session: Session, row: Mapping[str, Any]) -> int:
    statement = insert(SMS_MESSAGES).returning(_m.id)
    sms_id: int = session.connection().execute(statement, dict(row)).scalar_one()
    return sms_id


def get(session: Session, sms_id: int) -> AnyRow | None:
    return session.connection().execute(select(*COLUMNS).where(_m.id == sms_id)).first()


def alert_sms_wanted(session: Session, alert_id: int) -> list[AnyRow]:
    """The alert's deliveries that text (sms_phone set) and have no SMS of it yet."""
    sent_one = exists().where(_m.delivery_id == _d.id, _m.kind == SmsKind.ALERT.value)
    query = (
        select(
            _d.id,
            _d.member_id,
            _d.language,
            _d.sms_phone,
            _d.bin_id,
            _d.call,
            _d.next_attempt_at,
        )
        .where(_d.alert_id == alert_id, _d.sms_phone.is_not(None), ~sent_one)
        .order_by(_d.id)
    )
    return list(session.connection().execute(query).all())


def claim(
    session: Session, now: datetime, limit: int, worker_id: str, lease_until: datetime
) -> list[AnyRow]:
    """Claim up to `limit` due queued SMS for submitting: status submitting, the submit's
    time and this worker's lease recorded BEFORE anything goes to the SMSC (so a worker that
    dies after the submit never sends it again). Oldest due first. Chosen by one SELECT
    (SKIP LOCKED on PostgreSQL: workers never claim the same SMS), then exactly those are
    updated, guarded on queued (see repository.claim_due: never more than `limit`, whatever
    the plan)."""
    due = (
        select(_m.id)
        .where(_m.status == QUEUED, _m.next_try_at <= now)
        .order_by(_m.next_try_at, _m.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.connection().scalars(due))
    if not ids:
        return []
    statement = (
        update(SMS_MESSAGES)
        .where(_m.id.in_(ids), _m.status == QUEUED)
        .values(
            status=SUBMITTING,
            tries=_m.tries + 1,
            claimed_by=worker_id,
            lease_until=lease_until,
            submitted_at=now,
        )
        .returning(*COLUMNS)
    )
    rows = list(session.connection().execute(statement).all())
    rows.sort(key=lambda r: r.id)
    return rows


def move(
    session: Session, sms_id: int, allowed: Iterable[str], status: str, **values: Any
) -> AnyRow | None:
    """status IN (allowed) -> status, with `values`; None when the SMS was elsewhere."""
    statement = (
        update(SMS_MESSAGES)
        .where(_m.id == sms_id, status_in(_m.status, allowed))
        .values(status=status, **values)
        .returning(*COLUMNS)
    )
    return session.connection().execute(statement).first()


def move_many(
    session: Session, sms_ids: Sequence[int], allowed: Iterable[str], status: str, **values: Any
) -> list[AnyRow]:
    """move() for many SMS in one statement: those that were in `allowed`, moved."""
    if not sms_ids:
        return []
    statement = (
        update(SMS_MESSAGES)
        .where(_m.id.in_(list(sms_ids)), status_in(_m.status, allowed))
        .values(status=status, **values)
        .returning(*COLUMNS)
    )
    return list(session.connection().execute(statement).all())


def insert_parts(session: Session, sms_id: int, message_ids: Sequence[str]) -> None:
    """One row per part with the SMSC's message id its receipt will name."""
    insert_parts_of(session, [(sms_id, message_ids)])


def insert_parts_of(session: Session, messages: Sequence[tuple[int, Sequence[str]]]) -> None:
    """insert_parts for many SMS in one statement."""
    rows = [
        {"sms_id": sms_id, "part": i, "message_id": mid, "status": SENT}
        for sms_id, message_ids in messages
        for i, mid in enumerate(message_ids, start=1)
    ]
    if rows:
        session.connection().execute(insert(SMS_PARTS), rows)


def insert_reconciled_part(
    session: Session, sms_id: int, message_id: str, status: str, now: datetime
) -> None:
    """A part we learn of from its receipt only (the submit's answer was lost): the next
    part number, its message id and what the receipt said."""
    known = select(func.coalesce(func.max(_p.part), 0)).where(_p.sms_id == sms_id)
    number = int(session.connection().scalar(known) or 0) + 1
    row = {
        "sms_id": sms_id,
        "part": number,
        "message_id": message_id,
        "status": status,
        "receipt_at": now,
    }
    session.connection().execute(insert(SMS_PARTS), row)


def part_of(session: Session, message_id: str) -> AnyRow | None:
    query = select(_p.id, _p.sms_id, _p.status).where(_p.message_id == message_id)
    return session.connection().execute(query).first()


def set_part(session: Session, message_id: str, status: str, now: datetime) -> int | None:
    """A receipt for the part with this message id, once: its SMS's id, or None when no part
    awaits a receipt under that id (unknown, or a repeated receipt)."""
    statement = (
        update(SMS_PARTS)
        .where(_p.message_id == message_id, _p.status == SENT)
        .values(status=status, receipt_at=now)
        .returning(_p.sms_id)
    )
    sms_id: int | None = session.connection().scalar(statement)
    return sms_id


def set_parts(
    session: Session, message_ids: Sequence[str], status: str, now: datetime
) -> dict[str, int]:
    """set_part for many message ids in one statement: {message id: its SMS's id} of the
    parts that awaited a receipt."""
    if not message_ids:
        return {}
    statement = (
        update(SMS_PARTS)
        .where(_p.message_id.in_(list(message_ids)), _p.status == SENT)
        .values(status=status, receipt_at=now)
        .returning(_p.message_id, _p.sms_id)
    )
    return {row.message_id: row.sms_id for row in session.connection().execute(statement)}


def part_statuses(session: Session, sms_ids: Sequence[int]) -> dict[int, tuple[int, list[str]]]:
    """Each SMS's parts count and its parts' statuses in part order, in one query (SMS with
    no part stored are left out)."""
    if not sms_ids:
        return {}
    query = (
        select(_m.id, _m.parts, _p.status)
        .join_from(SMS_MESSAGES, SMS_PARTS, _p.sms_id == _m.id)
        .where(_m.id.in_(list(sms_ids)))
        .order_by(_m.id, _p.part)
    )
    found: dict[int, tuple[int, list[str]]] = {}
    for row in session.connection().execute(query):
        found.setdefault(row.id, (row.parts, []))[1].append(row.status)
    return found


def lost_submits(session: Session, now: datetime) -> list[int]:
    """SMS recorded as submitting whose worker's lease ran out (the worker died, or never
    heard the SMSC's answer)."""
    query = select(_m.id).where(_m.status == SUBMITTING, _m.lease_until < now)
    return list(session.connection().scalars(query))


def awaiting_receipt(session: Session, submitted_before: datetime) -> list[int]:
    query = select(_m.id).where(_m.status == SENT, _m.submitted_at < submitted_before)
    return list(session.connection().scalars(query))


def unmatched_to(session: Session, phone: str, since: datetime) -> AnyRow | None:
    """The oldest SMS to `phone` since `since` whose submit was recorded but whose message
    ids never came back (unknown, or still submitting): the one a receipt for that number
    with a message id we do not know is about."""
    known = select(func.count()).where(_p.sms_id == _m.id).scalar_subquery()
    query = (
        select(*COLUMNS)
        .where(
            _m.phone == phone,
            status_in(_m.status, (UNKNOWN, SUBMITTING)),
            _m.submitted_at >= since,
            known < _m.parts,
        )
        .order_by(_m.submitted_at, _m.id)
        .limit(1)
    )
    return session.connection().execute(query).first()


def cancel_queued(
    session: Session,
    now: datetime,
    *,
    alert_id: int | None = None,
    delivery_ids: Sequence[int] = (),
    member_id: int | None = None,
) -> list[AnyRow]:
    """Queued SMS no longer wanted (alert cancelled or expired, deliveries stopped, member
    erased): cancelled, never sent. Returns them."""
    conditions = []
    if alert_id is not None:
        conditions.append(_m.alert_id == alert_id)
    if delivery_ids:
        conditions.append(_m.delivery_id.in_(list(delivery_ids)))
    if member_id is not None:
        conditions.append(_m.member_id == member_id)
    if not conditions:
        return []
    statement = (
        update(SMS_MESSAGES)
        .where(_m.status == QUEUED, and_(*conditions))
        .values(status=SmsStatus.CANCELLED.value, finished_at=now)
        .returning(*COLUMNS)
    )
    return list(session.connection().execute(statement).all())


def forget_member(session: Session, member_id: int) -> None:
    """An erased member's SMS and replies stay as anonymous counts: no number."""
    connection = session.connection()
    connection.execute(
        update(SMS_MESSAGES).where(_m.member_id == member_id).values(phone=None, member_id=None)
    )
    connection.execute(
        update(SMS_REPLIES).where(_r.member_id == member_id).values(from_phone=None, text="")
    )


def texted_deliveries(session: Session, phone: str, since: datetime) -> list[AnyRow]:
    """The deliveries of the newest alert (created since `since`, not cancelled) whose SMS
    (the alert's or the fallback) went to `phone`; not acknowledged ones first."""
    newest = (
        select(_m.alert_id)
        .join_from(SMS_MESSAGES, ALERTS, _a.id == _m.alert_id)
        .where(
            _m.phone == phone,
            _m.kind.in_(TO_MEMBERS),
            _m.delivery_id.is_not(None),
            _m.created_at >= since,
            _a.status != AlertStatus.CANCELLED.value,
        )
        .order_by(_a.created_at.desc(), _a.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(_d.id, _d.alert_id, _d.member_id, _d.status, _d.language)
        .join_from(DELIVERIES, SMS_MESSAGES, _m.delivery_id == _d.id)
        .where(_m.phone == phone, _m.kind.in_(TO_MEMBERS), _d.alert_id == newest)
        .order_by(_d.id)
    )
    rows = {row.id: row for row in session.connection().execute(query).all()}  # one per delivery
    return sorted(rows.values(), key=lambda r: (r.status == ACKNOWLEDGED, r.id))


def sent_to_since(session: Session, phone: str, kind: SmsKind, since: datetime) -> bool:
    query = (
        select(_m.id)
        .where(_m.phone == phone, _m.kind == kind.value, _m.created_at >= since)
        .limit(1)
    )
    return session.connection().scalar(query) is not None


def count_to_since(session: Session, phone: str, kind: SmsKind, since: datetime) -> int:
    query = select(func.count()).where(
        _m.phone == phone, _m.kind == kind.value, _m.created_at >= since
    )
    return int(session.connection().scalar(query) or 0)


def calls(session: Session, delivery_id: int) -> bool | None:
    """Whether the dialer calls this delivery (None: no such delivery)."""
    row = session.connection().execute(select(_d.call).where(_d.id == delivery_id)).first()
    return None if row is None else bool(row.call)


def has_sms(session: Session, delivery_id: int, statuses: Iterable[str]) -> bool:
    query = (
        select(_m.id).where(_m.delivery_id == delivery_id, status_in(_m.status, statuses)).limit(1)
    )
    return session.connection().scalar(query) is not None


def sms_only_waiting(session: Session, statuses: Iterable[str]) -> list[AnyRow]:
    """SMS-only deliveries still waiting whose alert SMS is in one of `statuses`: the ones
    the reply window may close. Read from the active alerts (few), their deliveries by
    ix_deliveries_alert_status, their SMS by delivery: never a scan of either large table."""
    query = (
        select(
            _d.id.label("delivery_id"),
            _m.id.label("sms_id"),
            _m.status,
            _m.submitted_at,
            _m.finished_at,
        )
        .join_from(ALERTS, DELIVERIES, _d.alert_id == _a.id)
        .join(SMS_MESSAGES, _m.delivery_id == _d.id)
        .where(
            _a.status == AlertStatus.ACTIVE.value,
            waiting(_d.status),
            _d.call.is_(false()),
            _m.kind == SmsKind.ALERT.value,
            status_in(_m.status, statuses),
        )
    )
    return list(session.connection().execute(query).all())


# -- replies ------------------------------------------------------------------------------


def insert_reply(session: Session, from_phone: str | None, text: str, now: datetime) -> int:
    statement = insert(SMS_REPLIES).returning(_r.id)
    values = {"from_phone": from_phone, "text": text, "received_at": now}
    reply_id: int = session.connection().execute(statement, values).scalar_one()
    return reply_id


def reply(session: Session, reply_id: int) -> AnyRow | None:
    query = select(_r.id, _r.from_phone, _r.text, _r.received_at, _r.handled_at).where(
        _r.id == reply_id
    )
    return session.connection().execute(query).first()


def mark_reply(
    session: Session,
    reply_id: int,
    now: datetime,
    action: str,
    member_id: int | None = None,
    delivery_id: int | None = None,
) -> bool:
    """What a reply did, once (guarded on not handled yet)."""
    statement = (
        update(SMS_REPLIES)
        .where(_r.id == reply_id, _r.handled_at.is_(None))
        .values(handled_at=now, action=action, member_id=member_id, delivery_id=delivery_id)
    )
    return bool(session.connection().execute(statement).rowcount)  # type: ignore[attr-defined]


def unhandled_replies(session: Session, received_before: datetime, limit: int) -> list[int]:
    query = (
        select(_r.id)
        .where(_r.handled_at.is_(None), _r.received_at < received_before)
        .order_by(_r.id)
        .limit(limit)
    )
    return list(session.connection().scalars(query))


def count_by_status(session: Session) -> dict[str, int]:
    query = select(_m.status, func.count()).group_by(_m.status)
    return {status: n for status, n in session.connection().execute(query).all()}


_b = Bin.__table__.c  # type: ignore[attr-defined]


def fallback_context(session: Session, delivery_id: int) -> AnyRow | None:
    """What deciding a fallback SMS needs: the delivery and its alert's texts and BINs."""
    query = (
        select(
            _d.id,
            _d.alert_id,
            _d.member_id,
            _d.status,
            _d.urgent,
            _d.phones,
            _d.sms_phone,
            _d.language,
            _d.bin_id,
            _a.sms_texts,
            _a.messages,
            _a.bin_ids,
        )
        .join_from(DELIVERIES, ALERTS, _a.id == _d.alert_id)
        .where(_d.id == delivery_id)
    )
    return session.connection().execute(query).first()


def any_bin_falls_back(session: Session, bin_ids: Sequence[int]) -> bool:
    """One of these BINs sends an SMS to the members its urgent alert's calls did not reach."""
    if not bin_ids:
        return False
    query = select(_b.id).where(_b.id.in_(list(bin_ids)), _b.sms_fallback.is_(true())).limit(1)
    return session.connection().scalar(query) is not None


def insert_messages(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Many SMS in one statement (an alert's); their ids in the order of `rows`."""
    if not rows:
        return []
    statement = insert(SMS_MESSAGES).returning(_m.id, sort_by_parameter_order=True)
    return list(session.connection().scalars(statement, [dict(r) for r in rows]))
