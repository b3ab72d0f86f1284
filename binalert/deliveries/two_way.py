"""Two-way calls (#14): a member put through to the police (press 3), and a member who
missed the call and rings the BIN number back, recognised by the number they call from.

Both run inside the caller's transaction, like the rest of the lifecycle:
- `transfer`: a press of 3 counts as an acknowledgement (outcome `transferred`), stops the
  retries and keeps the call's claim alive while the member talks to the police;
- `answer_call_back`: who is calling (active members by phone or second phone), their newest
  alert of the last 12 hours, and an inbound call attempt on that delivery, so the press of
  1 on the call back goes through the same `lifecycle.acknowledge` as on an alert call;
- `inbound_call_ended`: a call back that ends moves no delivery (only a 1 or a 3 does).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import Insert, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from binalert.deliveries import attempts, events
from binalert.deliveries import repository as repo
from binalert.deliveries.machine import Event
from binalert.deliveries.tables import ALERTS, ATTEMPTS, DELIVERIES, SNAPSHOT, AnyRow, waiting
from binalert.errors import Conflict
from binalert.models import (
    Alert,
    AlertStatus,
    Bin,
    CallDirection,
    CallOutcome,
    DeliveryStatus,
    Member,
)
from binalert.zones import repository as zones
from store.db import on_postgres

TRANSFERRED = "transferred"
"""The delivery event of a member put through to the police (live page, SSE, webhooks)."""
TRANSFER_SECONDS = 3600
"""How long a call put through to the police may last: its deadline and claim move this far
on, so no dispatcher hangs up on a member talking to the police."""
CALLBACK_HOURS = 12
"""A call back plays the member's newest alert created this many hours ago at most."""
CALLBACK_ALERT_STATUSES = (
    AlertStatus.ACTIVE.value,
    AlertStatus.COMPLETED.value,
    AlertStatus.EXPIRED.value,
)
"""Alerts a call back may play: not a cancelled one, nor a message nobody was called for."""
CALLBACK_HOLD_SECONDS = 120
"""A retry of the delivery falls at least this long after a call back starts (the member is
on the line with us; their number would be busy)."""
LEASE_MARGIN_SECONDS = 10

_d, _a, _c = DELIVERIES.c, ALERTS.c, ATTEMPTS.c


# -- press 3 --------------------------------------------------------------------------------


def dispatch_number_of_alert(session: Session, alert_id: int) -> str | None:
    """The dispatch line (E.164) members of this alert may be put through to: that of the
    police zone its introduction names (its first BIN's, as binalert.alerts.spoken says it).
    Only an urgent alert invites members to it: a prevention message or a follow-up does only
    where the zone asks for it (`Zone.press3_on_messages`). None: no press 3 on this call."""
    alert = session.get(Alert, alert_id)
    if alert is None or not alert.bin_ids:
        return None
    query = select(Bin.police_zone).where(Bin.id.in_(list(alert.bin_ids))).order_by(Bin.id)
    name = session.scalars(query.limit(1)).first()
    zone = zones.get(session, name) if name else None
    if zone is None:
        return None
    invites = (alert.urgent and alert.parent_id is None) or zone.press3_on_messages
    return zone.dispatch_number if invites else None


def transfer(session: Session, channel_id: str, now: datetime) -> bool:
    """The member pressed 3 and is being put through to the police: acknowledged (outcome
    transferred, transferred_at), retries stop. True if this changed the delivery (False:
    already known, or an unknown call). Idempotent, like `lifecycle.acknowledge`."""
    attempt = attempts.set_digit(session, channel_id, "3", now)
    if attempt is None:
        return False
    common = {"transferred_at": now, "last_outcome": CallOutcome.TRANSFERRED.value}
    try:
        row = repo.transition(
            session,
            attempt.delivery_id,
            Event.ACKNOWLEDGE,
            acknowledged_at=now,
            digit="3",
            reached=True,
            **common,
        )
    except Conflict:  # already acknowledged (a 1 on an earlier call, or on a call back)
        params = {"delivery": attempt.delivery_id, "at": now, "outcome": common["last_outcome"]}
        marked = session.connection().execute(_MARK_TRANSFERRED, params).first()
        if marked is None:
            return False  # this transfer is known already
        row = marked
    _keep_alive(session, channel_id, attempt.delivery_id, now)
    events.record_delivery(
        session, row, TRANSFERRED, channel_id=channel_id, transferred_at=now.isoformat()
    )
    return True


_MARK_TRANSFERRED = (
    update(DELIVERIES)
    .where(
        _d.id == bindparam("delivery"),
        _d.status == DeliveryStatus.ACKNOWLEDGED.value,
        _d.transferred_at.is_(None),
    )
    .values(transferred_at=bindparam("at"), last_outcome=bindparam("outcome"))
    .returning(*SNAPSHOT)
)
_EXTEND_ATTEMPT = (
    update(ATTEMPTS)
    .where(_c.channel_id == bindparam("cid"), _c.ended_at.is_(None))
    .values(deadline=bindparam("until"))
)
_EXTEND_LEASE = (
    update(DELIVERIES)
    .where(_d.id == bindparam("delivery"), _d.claimed_by.is_not(None))
    .values(lease_until=bindparam("lease"))
)


def _keep_alive(session: Session, channel_id: str, delivery_id: int, now: datetime) -> None:
    deadline = now + timedelta(seconds=TRANSFER_SECONDS)
    connection = session.connection()
    connection.execute(_EXTEND_ATTEMPT, {"cid": channel_id, "until": deadline})
    lease = deadline + timedelta(seconds=LEASE_MARGIN_SECONDS)
    connection.execute(_EXTEND_LEASE, {"delivery": delivery_id, "lease": lease})


# -- call backs -----------------------------------------------------------------------------


def caller_e164(number: str | None, region: str = "BE") -> str | None:
    """A caller's number as the network gave it (+32..., 0032..., 0477..., 32477...) in
    E.164, or None when it is no valid number. Only the form is judged: a member's stored
    numbers are what it is compared with."""
    if not number or len(number) > 20 or not number.lstrip("+").isdigit():
        return None
    candidates = [number]
    if number.startswith("00"):
        candidates = ["+" + number[2:]]
    elif not number.startswith(("+", "0")):
        candidates.append("+" + number)  # an international number without its +
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


@dataclass(frozen=True)
class Caller:
    member_id: int
    language: str


def members_with_phone(session: Session, e164: str) -> list[Caller]:
    """The active members whose phone or second phone is this number (an erased member has
    no row any more, an inactive one is not called and not recognised)."""
    query = (
        select(Member.id, Member.language)
        .where(Member.active.is_(True), or_(Member.phone == e164, Member.second_phone == e164))
        .order_by(Member.id)
    )
    return [Caller(row.id, row.language) for row in session.execute(query)]


@dataclass(frozen=True)
class CallBackTarget:
    """The delivery a call back plays and acknowledges."""

    delivery_id: int
    alert_id: int
    member_id: int
    language: str
    status: str
    phone_index: int

    @property
    def acknowledged(self) -> bool:
        return self.status == DeliveryStatus.ACKNOWLEDGED.value


def newest_delivery(
    session: Session, member_ids: Sequence[int], e164: str, now: datetime
) -> CallBackTarget | None:
    """The delivery of the newest alert (created in the last CALLBACK_HOURS, not cancelled)
    that any of these members has; of several on that alert (two members sharing a phone),
    one not acknowledged yet first."""
    if not member_ids:
        return None
    since = now - timedelta(hours=CALLBACK_HOURS)
    acknowledged_last = case((_d.status == DeliveryStatus.ACKNOWLEDGED.value, 1), else_=0)
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
    return CallBackTarget(
        delivery_id=row.id,
        alert_id=row.alert_id,
        member_id=row.member_id,
        language=row.language,
        status=row.status,
        phone_index=phones.index(e164) if e164 in phones else 0,
    )


class CallBackKind(enum.StrEnum):
    ALERT = "alert"  # a member with an alert of the last 12 hours: hear it, 1 acknowledges
    NO_ALERT = "no_alert"  # a member without one: "no message for you now; call 101"
    UNKNOWN = "unknown"  # anyone else: "this number only sends BIN alerts; call 101 / 112"
    TAKEN = "taken"  # another dispatcher answers this call back already


@dataclass(frozen=True)
class CallBack:
    kind: CallBackKind
    language: str = ""
    target: CallBackTarget | None = None


def answer_call_back(
    session: Session,
    e164: str | None,
    channel_id: str,
    pbx: str,
    now: datetime,
    deadline: datetime,
) -> CallBack:
    """Who calls the BIN number from `e164`, and what they hear. For a member with an alert,
    an inbound call attempt `channel_id` is opened on that delivery (once: a second
    dispatcher seeing the same call gets TAKEN)."""
    callers = members_with_phone(session, e164) if e164 else []
    if not callers:
        return CallBack(CallBackKind.UNKNOWN)
    target = newest_delivery(session, [c.member_id for c in callers], e164 or "", now)
    if target is None:
        return CallBack(CallBackKind.NO_ALERT, language=callers[0].language)
    if not open_inbound_attempt(session, target, channel_id, pbx, now, deadline):
        return CallBack(CallBackKind.TAKEN, language=target.language, target=target)
    return CallBack(CallBackKind.ALERT, language=target.language, target=target)


def open_inbound_attempt(
    session: Session,
    target: CallBackTarget,
    channel_id: str,
    pbx: str,
    now: datetime,
    deadline: datetime,
) -> bool:
    """An inbound call attempt on the delivery (False if this call has one already). A
    retry that falls due meanwhile waits until the call back is over."""
    values: dict[str, Any] = {
        "delivery_id": target.delivery_id,
        "number": 0,  # not one of the delivery's attempts: the member called us
        "phone_index": target.phone_index,
        "channel_id": channel_id,
        "pbx": pbx,
        "started_at": now,
        "answered_at": now,
        "deadline": deadline,
        "direction": CallDirection.INBOUND.value,
    }
    statement = _insert_attempt(session).values(**values).on_conflict_do_nothing()
    if session.connection().execute(statement.returning(_c.id)).first() is None:
        return False  # this call has its attempt already
    hold = now + timedelta(seconds=CALLBACK_HOLD_SECONDS)
    session.connection().execute(
        update(DELIVERIES)
        .where(_d.id == target.delivery_id, waiting(_d.status))
        .values(next_attempt_at=case((_d.next_attempt_at < hold, hold), else_=_d.next_attempt_at))
    )
    row = _snapshot(session, target.delivery_id)
    events.record_delivery(
        session, row, events.CALL_STARTED, channel_id=channel_id, direction="inbound"
    )
    return True


def _insert_attempt(session: Session) -> Any:
    dialect: Any = postgresql if on_postgres(session) else sqlite
    statement: Insert = dialect.insert(ATTEMPTS)
    return statement


def _snapshot(session: Session, delivery_id: int) -> AnyRow:
    row = session.connection().execute(select(*SNAPSHOT).where(_d.id == delivery_id)).first()
    if row is None:
        raise LookupError(f"delivery {delivery_id} not found")
    return row


def inbound_call_ended(
    session: Session,
    delivery_id: int,
    channel_id: str,
    outcome: CallOutcome,
    hangup_cause: int | None,
) -> AnyRow:
    """A call back ended (its attempt is closed): the delivery stays as it is (a 1 or a 3
    moved it already); the event says how the call back ended. Returns the delivery."""
    row = _snapshot(session, delivery_id)
    events.record_delivery(
        session,
        row,
        events.CALL_ENDED,
        outcome=outcome.value,
        channel_id=channel_id,
        hangup_cause=hangup_cause,
        direction="inbound",
    )
    return row
