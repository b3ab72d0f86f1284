"""The delivery lifecycle: each step with its side effects (attempts, events, alert
completion), every status change an event of the state table (machine.TABLE).

It is the only writer of deliveries and call attempts (tests/test_single_writer.py): it opens
them (`open_deliveries`, `claim_due`, `open_call_back`), records keys (`acknowledge`, a 1 or a
3) and ends calls (`finish_call`, `release`), puts non-urgent ones back until their hours
(`defer_to_hours`), cancels, expires and forgets them. repository.py, attempts.py and
events.py hold its statements; nothing else calls their writing ones.

Each function runs inside the caller's transaction (one short transaction per call event).
They are on the dialer's hot path: Core statements, each transition one guarded
`UPDATE ... RETURNING` that also gives the row its event shows, never an ORM load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import case
from sqlalchemy.orm import Session

from binalert.calling_hours import CallingHours
from binalert.clock import utcnow
from binalert.deliveries import attempts, events, hours
from binalert.deliveries import repository as repo
from binalert.deliveries.machine import Event
from binalert.deliveries.policy import (
    REACHED,
    CallNow,
    GiveUp,
    RetryPolicy,
    next_call_at,
)
from binalert.deliveries.repository import ClaimedCall
from binalert.deliveries.tables import DELIVERIES, OPEN, AnyRow
from binalert.deliveries.two_way import (
    CALL_BACK_WINDOW_SECONDS,
    CALL_BACKS_PER_DELIVERY,
    CALL_BACKS_PER_NUMBER,
    CALLBACK_HOLD_SECONDS,
    CALLBACK_HOURS,
    LEASE_MARGIN_SECONDS,
    TRANSFER_DIGIT,
    TRANSFER_SECONDS,
    CallBack,
    CallBackKind,
    CallBackTarget,
)
from binalert.errors import Conflict
from binalert.members import repository as members
from binalert.models import Alert, AlertStatus, CallDirection, CallOutcome, DeliveryStatus
from store.announce import ALERTS_CHANGED, announce


class Addressee(Protocol):
    """Whom a delivery calls: a Member, or anything with these (lab.seed)."""

    @property
    def id(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def second_phone(self) -> str | None: ...


Planned = tuple[Addressee, datetime, int | None]  # whom, first call due, the BIN of their hours


def open_deliveries(session: Session, alert: Alert, planned: Iterable[Planned]) -> int:
    """One pending delivery per planned member (alerts and messages alike), in one statement:
    in the member's language when the alert has it (else its first), their phone and second
    phone, due at the planned time. Returns how many."""
    rows = [_delivery_row(alert, member, due, bin_id) for member, due, bin_id in planned]
    repo.insert_deliveries(session, rows)
    return len(rows)


def _delivery_row(
    alert: Alert, member: Addressee, due: datetime, bin_id: int | None
) -> dict[str, Any]:
    language = member.language if member.language in alert.messages else next(iter(alert.messages))
    return {
        "alert_id": alert.id,
        "member_id": member.id,
        "status": DeliveryStatus.PENDING.value,
        "urgent": alert.urgent,
        "language": language,
        "phones": [member.phone] + ([member.second_phone] if member.second_phone else []),
        "next_attempt_at": due,
        "bin_id": bin_id,
        "updated_at": alert.created_at,
    }


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
        open_calls = attempts.open_attempt_count(session, options.pbx, now) + inbound
        limit = min(limit, options.max_channels - open_calls)
    if limit <= 0:
        return []
    deadline = now + timedelta(seconds=options.call_seconds)
    lease_until = deadline + timedelta(seconds=options.lease_margin)
    avoid = (options.pbx, now - timedelta(seconds=AVOID_SECONDS)) if options.spread else ("", now)
    room = hours.non_urgent_room(options.max_channels, open_calls, options.urgent_reserve)
    rows = _claim_rows(session, now, limit, room, options.worker_id, lease_until, *avoid)
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


def _claim_rows(
    session: Session,
    now: datetime,
    limit: int,
    room: int | None,
    worker_id: str,
    lease_until: datetime,
    pbx: str,
    avoid_until: datetime,
) -> list[AnyRow]:
    """Claim up to `limit` due deliveries (repository.claim_due) of which at most `room`
    non-urgent (None: any); non-urgent ones outside their BIN's calling hours are put back,
    unplaced (deliveries.hours)."""
    args = (worker_id, lease_until, pbx, avoid_until)
    if room is None or room >= limit:
        rows = repo.claim_due(session, now, limit, *args)
    else:
        rows = repo.claim_due(session, now, limit, *args, urgent_only=True)
        rest = min(limit - len(rows), room)
        if rest > 0:
            rows += repo.claim_due(session, now, rest, *args)
    if all(row.urgent for row in rows):
        return rows
    closed = hours.outside_hours(session, rows, now)
    for row, opening in closed:
        defer_to_hours(session, row, opening)
    deferred = {row.id for row, _ in closed}
    return [row for row in rows if row.id not in deferred]


def defer_to_hours(session: Session, row: AnyRow, opening: datetime) -> None:
    """Undo the claim of a non-urgent delivery not placed (its BIN's calling hours are
    closed): waiting again, as before (a first call pending, a retry waiting), its counts as
    they were, due at `opening`."""
    attempts_made = max(row.attempts - 1, 0)
    rounds = max(row.rounds - 1, 0) if row.next_phone_index == 0 else row.rounds
    event = Event.RELEASE if attempts_made == 0 else Event.RETRY_LATER
    try:
        moved = repo.transition(
            session,
            row.id,
            event,
            attempts=attempts_made,
            rounds=rounds,
            next_attempt_at=opening,
            **_UNCLAIMED,
        )
    except Conflict:  # cannot happen in the claiming transaction; nothing to undo then
        return
    events.record_delivery(session, moved, events.CALL_DEFERRED, reason="outside_calling_hours")


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
    """The member pressed 1, or 3 (put through to the police: acknowledged as well, outcome
    transferred, the call's deadline and claim moved on while they talk). True if this
    changed the delivery (False: already known, or an unknown call). Idempotent.

    Only binalert's own call proves who listened: a key on a call back (a caller ID, which
    anyone can send) is kept as heard on a call back, unverified, and acknowledges nothing
    (`_heard_on_call_back`)."""
    attempt = attempts.set_digit(session, channel_id, digit, now)
    if attempt is None:
        return False
    if attempt.direction == CallDirection.INBOUND.value:
        return _heard_on_call_back(session, attempt.delivery_id, channel_id, now)
    transferred = digit == TRANSFER_DIGIT
    outcome = CallOutcome.TRANSFERRED if transferred else CallOutcome.ANSWERED
    extra = {"transferred_at": now} if transferred else {}
    try:
        row = repo.transition(
            session,
            attempt.delivery_id,
            Event.ACKNOWLEDGE,
            acknowledged_at=now,
            digit=digit,
            last_outcome=outcome.value,
            reached=True,
            **extra,
        )
    except Conflict:  # acknowledged already: a 3 after a 1 still says who was put through
        marked = repo.mark_transferred(session, attempt.delivery_id, now) if transferred else None
        if marked is None:
            return False
        row = marked
    if not transferred:
        events.record_delivery(session, row, events.ACKNOWLEDGED, channel_id=channel_id)
        return True
    deadline = now + timedelta(seconds=TRANSFER_SECONDS)
    lease = deadline + timedelta(seconds=LEASE_MARGIN_SECONDS)
    attempts.keep_alive(session, channel_id, row.id, deadline, lease)
    events.record_delivery(
        session, row, events.TRANSFERRED, channel_id=channel_id, transferred_at=now.isoformat()
    )
    return True


def _heard_on_call_back(session: Session, delivery_id: int, channel_id: str, now: datetime) -> bool:
    """A key on a call back: noted on the delivery (once) as heard, unverified; its status
    stays, so its calls go on. When the call back ends the member is called straight back
    (finish_call), and a 1 on that call acknowledges."""
    row = repo.mark_heard_on_call_back(session, delivery_id, now)
    if row is None:
        return False
    events.record_delivery(session, row, events.HEARD_ON_CALL_BACK, channel_id=channel_id)
    return True


def stopped_on_call(session: Session, channel_id: str, now: datetime) -> int | None:
    """A confirmed 9 (stop receiving these calls) on this call: the member to stop, or None.

    Only binalert's own call proves the number: a 9 on a call in (a caller ID) stops nothing
    here (ivr.callbacks has it confirmed by a call to the number). The delivery gets a
    `stopped_by_member` event; it is not acknowledged (a 9 is not a 1: the police count a 1
    as heard and confirmed), and the member's stop (members.selfservice.stop) ends it without
    retry: cancelled after this call, reached. A 1 before the 9 stays acknowledged."""
    attempt = attempts.of_channel(session, channel_id)
    if attempt is None or attempt.direction == CallDirection.INBOUND.value:
        return None
    row = repo.snapshot(session, attempt.delivery_id)
    if row.member_id is None:  # erased meanwhile
        return None
    member = members.get(session, row.member_id)
    if member is None or not member.active:  # stored already (the AstDB sweep, again)
        return int(row.member_id)
    events.record_delivery(
        session, row, events.STOPPED_BY_MEMBER, channel_id=channel_id, at=now.isoformat()
    )
    return int(row.member_id)


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

    `answered` (a 1) or `transferred` (a 3): the key is written here too (it is idempotent),
    so a call whose key could not be stored when it came in never ends as unacknowledged and
    is never retried."""
    if outcome is CallOutcome.ANSWERED:
        acknowledge(session, channel_id, "1", now)
    elif outcome is CallOutcome.TRANSFERRED:
        acknowledge(session, channel_id, TRANSFER_DIGIT, now)
    attempt = attempts.close(session, channel_id, now, outcome.value, hangup_cause, answered_at)
    if attempt is None:
        return False
    extra: dict[str, Any] = {}
    if attempt.direction == CallDirection.INBOUND.value:
        row = _after_call_back(session, attempt, now)
        extra["direction"] = CallDirection.INBOUND.value
    else:
        row = _after_call(session, attempt, outcome, now, policy)
    events.record_delivery(
        session,
        row,
        events.CALL_ENDED,
        outcome=outcome.value,
        channel_id=channel_id,
        hangup_cause=hangup_cause,
        **extra,
    )
    if row.status not in OPEN:
        complete_if_done(session, row.alert_id, now)
    return True


def _after_call(
    session: Session, attempt: AnyRow, outcome: CallOutcome, now: datetime, policy: RetryPolicy
) -> AnyRow:
    """Our call ended: unacknowledged, the retry policy says what comes next."""
    context = repo.call_context(session, attempt.delivery_id)
    if context.status != DeliveryStatus.CALLING.value:
        # acknowledged meanwhile (or reconciled): only the claim ends
        return repo.end_claim(session, context.id, context.status, **_UNCLAIMED)
    call_hours = None if context.urgent else hours.hours_of_bin(session, context.bin_id)
    event, values = _after_unacknowledged_call(
        context, attempt.phone_index, outcome, now, policy, call_hours
    )
    values["avoid_pbx"] = attempt.pbx if outcome is CallOutcome.CONGESTION else None
    return repo.transition(session, context.id, event, **values)


def _after_call_back(session: Session, attempt: AnyRow, now: datetime) -> AnyRow:
    """A call back ended. It moves no status (a caller ID proves nothing); after a key on it,
    the member is called straight back on the number they called from, where a 1 counts."""
    if attempt.digit is not None:
        row = repo.call_now(session, attempt.delivery_id, now, attempt.phone_index)
        if row is not None:
            return row
    return repo.snapshot(session, attempt.delivery_id)


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


def open_call_back(
    session: Session,
    e164: str | None,
    channel_id: str,
    pbx: str,
    now: datetime,
    deadline: datetime,
) -> CallBack:
    """Someone calls the BIN number from `e164` (a caller ID: a claim, not a proof): who it
    says they are, and what they hear. A member with an alert of the last CALLBACK_HOURS,
    within the call-back limits (deliveries.two_way), gets an inbound call attempt
    `channel_id` on that delivery (once: a second dispatcher seeing the same call gets
    TAKEN), and a retry of it waits until the call back is over."""
    holders = members.with_phone(session, e164) if e164 else []
    if not holders:
        return CallBack(CallBackKind.UNKNOWN)
    if attempts.known(session, channel_id):
        return CallBack(CallBackKind.TAKEN, language=holders[0].language)
    ids = [holder.member_id for holder in holders]
    since = now - timedelta(hours=CALLBACK_HOURS)
    target = repo.newest_for_call_back(session, ids, e164 or "", since)
    if target is None or _beyond_call_back_limits(session, ids, target, now):
        language = target.language if target is not None else holders[0].language
        return CallBack(CallBackKind.NO_ALERT, language=language)
    if not attempts.insert_once(session, _call_back_row(target, channel_id, pbx, now, deadline)):
        return CallBack(CallBackKind.TAKEN, language=target.language, target=target)
    repo.hold_retry(session, target.delivery_id, now + timedelta(seconds=CALLBACK_HOLD_SECONDS))
    events.record_delivery(
        session,
        repo.snapshot(session, target.delivery_id),
        events.CALL_STARTED,
        channel_id=channel_id,
        direction=CallDirection.INBOUND.value,
    )
    return CallBack(CallBackKind.ALERT, language=target.language, target=target)


def _beyond_call_back_limits(
    session: Session, member_ids: list[int], target: CallBackTarget, now: datetime
) -> bool:
    since = now - timedelta(seconds=CALL_BACK_WINDOW_SECONDS)
    if attempts.call_backs_since(session, member_ids, since) >= CALL_BACKS_PER_NUMBER:
        return True
    return attempts.call_backs_of(session, target.delivery_id) >= CALL_BACKS_PER_DELIVERY


def _call_back_row(
    target: CallBackTarget, channel_id: str, pbx: str, now: datetime, deadline: datetime
) -> dict[str, Any]:
    return {
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


def forget_member(session: Session, member_id: int) -> int:
    """A member erased (GDPR): their deliveries stay as anonymous outcomes (no member, no
    number); those waiting for a call are cancelled, a call in progress ends cancelled.
    Returns how many were cancelled now."""
    delivery_ids = repo.of_member(session, member_id)
    repo.forget_member(session, member_id)
    return cancel_deliveries(session, delivery_ids)


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
