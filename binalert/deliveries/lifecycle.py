"""The delivery lifecycle: each step with its side effects (attempts, events, alert
completion), every status change an event of the state table (machine.TABLE).

Each function runs inside the caller's transaction (one short transaction per call event).
They are on the dialer's hot path: Core statements, each transition one guarded
`UPDATE ... RETURNING` that also gives the row its event shows, never an ORM load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlalchemy.orm import Session

from binalert.calling_hours import CallingHours
from binalert.clock import utcnow
from binalert.deliveries import attempts, events, hours, two_way
from binalert.deliveries import repository as repo
from binalert.deliveries.machine import Event
from binalert.deliveries.policy import (
    REACHED,
    CallNow,
    GiveUp,
    RetryAfter,
    RetryPolicy,
    next_call_at,
)
from binalert.deliveries.repository import ClaimedCall
from binalert.deliveries.tables import DELIVERIES, OPEN, AnyRow
from binalert.errors import Conflict
from binalert.models import AlertStatus, CallDirection, CallOutcome, DeliveryStatus
from store.announce import ALERTS_CHANGED, announce


@dataclass(frozen=True)
class ClaimOptions:
    worker_id: str
    pbx: str
    call_id: Callable[[int], str]  # an attempt id -> the call's channel id on the PBX
    call_seconds: int  # ring timeout + the longest call: the attempt's deadline
    lease_margin: int = 10  # after the deadline the dialer has hung up: the call is over
    max_channels: int | None = None  # the PBX's limit, shared by every worker using it
    spread: bool = False  # other PBXes exist: leave them the retries this one's network failed
    urgent_reserve: float = hours.URGENT_RESERVE  # channels non-urgent calls leave free


AVOID_SECONDS = 60  # how long another PBX has to take a retry this PBX's network failed


def claim_due(
    session: Session, now: datetime, limit: int, options: ClaimOptions, inbound: int = 0
) -> list[ClaimedCall]:
    """Claim up to `limit` due deliveries and open one call attempt for each, in a few
    statements for the whole batch.

    With max_channels set, the calls already open on this PBX (by any worker) count
    against its limit; claims for one PBX are serialised (an advisory lock on PostgreSQL).
    Non-urgent deliveries keep their BIN's calling hours and a share of the channels free
    (deliveries.hours). `inbound`: the calls coming in on this PBX now (read on the PBX by
    the dialer): they hold channels of the same trunk.
    """
    open_calls = 0
    if options.max_channels is not None:
        attempts.lock_pbx(session, options.pbx)
        open_calls = attempts.open_attempt_count(session, options.pbx) + inbound
        limit = min(limit, options.max_channels - open_calls)
    if limit <= 0:
        return []
    deadline = now + timedelta(seconds=options.call_seconds)
    lease_until = deadline + timedelta(seconds=options.lease_margin)
    avoid = (options.pbx, now - timedelta(seconds=AVOID_SECONDS)) if options.spread else ("", now)
    room = hours.non_urgent_room(options.max_channels, open_calls, options.urgent_reserve)
    rows = hours.claim(session, now, limit, room, options.worker_id, lease_until, *avoid)
    if not rows:
        return []
    ids = attempts.reserve_ids(session, len(rows))
    calls = [
        _claimed_call(row, attempt_id, options.call_id(attempt_id), deadline)
        for row, attempt_id in zip(rows, ids, strict=True)
    ]
    attempts.insert_many(session, [_attempt_row(call, options.pbx, now) for call in calls])
    events.record_many(
        session,
        [(row.alert_id, events.CALL_STARTED, events.snapshot(row), row.id) for row in rows],
    )
    return calls


def _claimed_call(row: AnyRow, attempt_id: int, channel_id: str, deadline: datetime) -> ClaimedCall:
    phone_index = min(row.next_phone_index, len(row.phones) - 1)
    return ClaimedCall(
        attempt_id=attempt_id,
        channel_id=channel_id,
        delivery_id=row.id,
        alert_id=row.alert_id,
        phone=row.phones[phone_index],
        phone_index=phone_index,
        phone_count=len(row.phones),
        round_number=row.rounds,
        language=row.language,
        deadline=deadline,
        number=row.attempts,
    )


def _attempt_row(call: ClaimedCall, pbx: str, now: datetime) -> dict[str, Any]:
    return {
        "id": call.attempt_id,
        "delivery_id": call.delivery_id,
        "number": call.number,
        "phone_index": call.phone_index,
        "channel_id": call.channel_id,
        "pbx": pbx,
        "started_at": now,
        "deadline": call.deadline,
    }


def acknowledge(session: Session, channel_id: str, digit: str, now: datetime) -> bool:
    """The member pressed 1. True if this changed the delivery (False: already known)."""
    attempt = attempts.set_digit(session, channel_id, digit, now)
    if attempt is None:
        return False
    try:
        row = repo.transition(
            session,
            attempt.delivery_id,
            Event.ACKNOWLEDGE,
            acknowledged_at=now,
            digit=digit,
            last_outcome=CallOutcome.ANSWERED.value,
            reached=True,
        )
    except Conflict:
        return False
    events.record_delivery(session, row, events.ACKNOWLEDGED, channel_id=channel_id)
    return True


def finish_call(
    session: Session,
    channel_id: str,
    outcome: CallOutcome,
    now: datetime,
    policy: RetryPolicy,
    hangup_cause: int | None = None,
    answered_at: datetime | None = None,
) -> bool:
    """A call ended (or was found gone): close the attempt and move the delivery on.

    `answered` means the member pressed 1: the acknowledgement is written here too (it is
    idempotent), so a call whose acknowledgement could not be stored when the key came in
    never ends as unacknowledged and is never retried."""
    if outcome is CallOutcome.ANSWERED:
        acknowledge(session, channel_id, "1", now)
    elif outcome is CallOutcome.TRANSFERRED:  # pressed 3: acknowledged as well (#14)
        two_way.transfer(session, channel_id, now)
    attempt = attempts.close(session, channel_id, now, outcome.value, hangup_cause, answered_at)
    if attempt is None:
        return False
    if attempt.direction == CallDirection.INBOUND.value:  # a call back moves no delivery
        ended = two_way.inbound_call_ended(
            session, attempt.delivery_id, channel_id, outcome, hangup_cause
        )
        if ended.status not in OPEN:
            complete_if_done(session, ended.alert_id, now)
        return True
    context = repo.call_context(session, attempt.delivery_id)
    if context.status == DeliveryStatus.CALLING.value:
        call_hours = None if context.urgent else hours.hours_of_bin(session, context.bin_id)
        event, values = _after_unacknowledged_call(
            context, attempt.phone_index, outcome, now, policy, call_hours
        )
        values["avoid_pbx"] = attempt.pbx if outcome is CallOutcome.CONGESTION else None
        row = repo.transition(session, context.id, event, **values)
    else:  # acknowledged meanwhile (or reconciled): only the claim ends
        row = repo.end_claim(session, context.id, context.status, **_UNCLAIMED)
    events.record_delivery(
        session,
        row,
        events.CALL_ENDED,
        outcome=outcome.value,
        channel_id=channel_id,
        hangup_cause=hangup_cause,
    )
    if row.status not in OPEN:
        complete_if_done(session, row.alert_id, now)
    return True


_UNCLAIMED = {"claimed_by": None, "lease_until": None}
Move = tuple[Event, dict[str, Any]]


def _after_unacknowledged_call(
    context: AnyRow,
    phone_index: int,
    outcome: CallOutcome,
    now: datetime,
    policy: RetryPolicy,
    call_hours: CallingHours | None = None,
) -> Move:
    """Where the delivery goes after a call without acknowledgement (a pure decision);
    a non-urgent delivery's next call within its BIN's calling hours (`call_hours`)."""
    reached = bool(context.reached) or outcome in REACHED
    common: dict[str, Any] = {"last_outcome": outcome.value, "reached": reached, **_UNCLAIMED}
    if context.alert_status == AlertStatus.CANCELLED.value or not context.phones:
        return Event.CANCEL_AFTER_CALL, common  # alert cancelled, or the member erased
    decision = policy.after_call(context.rounds, phone_index, len(context.phones), reached)
    if outcome is CallOutcome.INVALID_NUMBER and len(context.phones) == 1:
        # The network says the member's only number does not exist: trying again changes
        # nothing. (With a second number, the rounds go on: that one may answer.)
        decision = GiveUp(reached=reached)
    next_at = next_call_at(decision, now, call_hours)
    if isinstance(decision, GiveUp):
        return (Event.EXHAUST_REACHED if reached else Event.EXHAUST_UNREACHED), common
    if next_at is not None and next_at >= context.valid_until:
        return Event.EXPIRE_AFTER_CALL, common
    phone = decision.phone_index if isinstance(decision, CallNow) else 0
    return Event.RETRY_LATER, common | {"next_attempt_at": next_at, "next_phone_index": phone}


def _next_attempt_at(decision: CallNow | RetryAfter | GiveUp, now: datetime) -> datetime | None:
    if isinstance(decision, CallNow):
        return now
    if isinstance(decision, RetryAfter):
        return now + timedelta(seconds=decision.seconds)
    return None


def release(
    session: Session, channel_id: str, now: datetime, reason: str, delay: float = 0.0
) -> None:
    """The call was never placed (PBX unreachable): close the attempt and requeue at once."""
    attempt = attempts.close(session, channel_id, now, CallOutcome.FAILED.value)
    if attempt is None:
        return
    d = DELIVERIES.c
    try:
        row = repo.transition(
            session,
            attempt.delivery_id,
            Event.RELEASE,
            attempts=_decremented(d.attempts, 1),
            rounds=_decremented(d.rounds, int(attempt.phone_index == 0)),
            next_attempt_at=now + timedelta(seconds=delay),
            avoid_pbx=attempt.pbx,
            **_UNCLAIMED,
        )
    except Conflict:
        return
    events.record_delivery(
        session, row, events.CALL_ENDED, outcome="not_placed", reason=reason, channel_id=channel_id
    )


def _decremented(column: Any, by: int) -> Any:
    return case((column >= by, column - by), else_=0)


def complete_if_done(session: Session, alert_id: int, now: datetime) -> None:
    """Complete (or expire) the alert when no delivery is open and no zone's part of the
    message still awaits approval (its members may be called yet)."""
    if repo.has_open_deliveries(session, alert_id) or repo.awaits_approval(session, alert_id):
        return
    alert = repo.alert(session, alert_id)
    ran_out = now >= alert.valid_until or repo.expired_delivery_count(session, alert_id) > 0
    status = AlertStatus.EXPIRED if ran_out else AlertStatus.COMPLETED
    if repo.close_alert(session, alert_id, status, now):
        kind = events.ALERT_EXPIRED if status is AlertStatus.EXPIRED else events.ALERT_COMPLETED
        events.record(session, alert_id, kind, {"alert_id": alert_id, "status": status.value})


def expire_overdue(session: Session, now: datetime) -> list[int]:
    """Alerts past their validity window: nothing more is dialled for them."""
    expired = repo.overdue_alert_ids(session, now)
    for alert_id in expired:
        for delivery_id in repo.waiting_deliveries(session, alert_id):
            try:
                row = repo.transition(session, delivery_id, Event.EXPIRE, **_UNCLAIMED)
            except Conflict:
                continue
            events.record_delivery(session, row, events.DELIVERY_FINAL)
        complete_if_done(session, alert_id, now)
    return expired


def cancel_deliveries(session: Session, delivery_ids: Sequence[int]) -> int:
    """Cancel these deliveries if they wait for a call (a call in progress ends cancelled
    when its member was erased); returns how many were cancelled now."""
    cancelled = 0
    for delivery_id in delivery_ids:
        try:
            row = repo.transition(session, delivery_id, Event.CANCEL, **_UNCLAIMED)
        except Conflict:
            continue
        cancelled += 1
        events.record_delivery(session, row, events.DELIVERY_FINAL)
        complete_if_done(session, row.alert_id, utcnow())
    if cancelled:
        announce(session, ALERTS_CHANGED)
    return cancelled


def stop_deliveries(session: Session, delivery_ids: Sequence[int]) -> int:
    """Cancel part of an alert (one zone's members of a cross-zone alert): waiting calls are
    cancelled now, a call in progress ends cancelled unless its member presses 1."""
    repo.stop_dialling(session, delivery_ids)
    return cancel_deliveries(session, delivery_ids)


def cancel_alert(session: Session, alert_id: int, now: datetime, by: str) -> int:
    """Cancel an active alert: every waiting delivery is cancelled at once; calls already
    ringing finish and end cancelled (unless the member acknowledged). Returns how many
    deliveries were cancelled now."""
    if not repo.close_alert(session, alert_id, AlertStatus.CANCELLED, now):
        return 0
    cancelled = 0
    for delivery_id in repo.waiting_deliveries(session, alert_id):
        try:
            row = repo.transition(session, delivery_id, Event.CANCEL)
        except Conflict:
            continue
        cancelled += 1
        events.record_delivery(session, row, events.DELIVERY_FINAL)
    events.record(
        session,
        alert_id,
        events.ALERT_CANCELLED,
        {"alert_id": alert_id, "status": AlertStatus.CANCELLED.value, "by": by},
    )
    announce(session, ALERTS_CHANGED)
    return cancelled
