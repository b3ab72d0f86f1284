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

import enum
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import case
from sqlalchemy.orm import Session

from binalert.buddies import relay as buddy_relay
from binalert.calling_hours import CallingHours
from binalert.clock import utcnow
from binalert.deliveries import attempts, events, hours, sms, sms_rules, tables
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
from binalert.members import records
from binalert.members import repository as members
from binalert.models import (
    Alert,
    AlertStatus,
    CallDirection,
    CallOutcome,
    Channels,
    DeliveryStatus,
    RecordChannel,
    SmsKind,
    SmsStatus,
)
from binalert.phones import caller_e164, sms_number
from store.announce import ALERTS_CHANGED, SMS_QUEUED, announce
from tts.sms_phrases import sms_phrase
from tts.voices import check_language


class Addressee(Protocol):
    """Whom a delivery calls or texts: a Member, or anything with these (lab.seed)."""

    @property
    def id(self) -> int: ...
    @property
    def language(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def second_phone(self) -> str | None: ...
    @property
    def urgent_channels(self) -> str | None: ...  # Channels; None: the BIN's default
    @property
    def message_channels(self) -> str | None: ...
    @property
    def sms_stopped_at(self) -> datetime | None: ...


Planned = tuple[Addressee, datetime, int | None]  # whom, first call due, the BIN of their hours


def open_deliveries(session: Session, alert: Alert, planned: Iterable[Planned]) -> int:
    """One pending delivery per planned member (alerts and messages alike), in one statement:
    in the member's language when the alert has it (else its first), their phone and second
    phone, due at the planned time, with its channels (`channels_of`); and the alert's SMS to
    those it texts (sms_phone). Returns how many."""
    planned = list(planned)
    sms_countries = sms_countries_of(session)
    first_bin = alert.bin_ids[0] if alert.bin_ids else None
    defaults = repo.bin_channels(session, {b for _, _, b in planned if b} | {first_bin or 0})
    rows = [
        _delivery_row(alert, member, due, bin_id)
        | channels_of(
            alert.urgent,
            _language(alert, member) in (alert.sms_texts or {}),
            member,
            defaults.get(bin_id or first_bin or 0),
            sms_countries,
        )
        for member, due, bin_id in planned
    ]
    repo.insert_deliveries(session, rows)
    queue_alert_sms(session, alert, utcnow())
    return len(rows)


def sms_countries_of(session: Session) -> frozenset[str]:
    """The countries whose mobiles this installation texts; none where SMS is not configured
    (no SMSC: sms_rules.configure was never called), so everyone is called."""
    config = sms_rules.config_of(session.info)
    return config.countries if config is not None else frozenset()


def channels_of(
    urgent: bool,
    has_text: bool,
    member: Addressee,
    bin_default: tuple[str, str] | None,
    sms_countries: Collection[str],
) -> dict[str, Any]:
    """A delivery's channels, decided once as it opens (#22): the member's choice for this
    kind of alert (urgent or not), else their BIN's (`bin_default`: its urgent and message
    channels). Texted on the first of their numbers binalert may text (phones.sms_number),
    unless they replied STOP or the alert has no SMS text in their language (`has_text`);
    called when they chose a call, and whenever no SMS can go: a member who chose SMS without
    a textable number is called, never dropped."""
    urgent_default, message_default = bin_default or (Channels.CALL.value, Channels.CALL.value)
    if urgent:
        chosen = member.urgent_channels or urgent_default
    else:
        chosen = member.message_channels or message_default
    sms_phone = None
    if chosen != Channels.CALL.value and member.sms_stopped_at is None and has_text:
        numbers = (member.phone, member.second_phone)
        sms_phone = next((n for n in numbers if sms_number(n, sms_countries)), None)
    return {"call": chosen != Channels.SMS.value or sms_phone is None, "sms_phone": sms_phone}


def _language(alert: Alert, member: Addressee) -> str:
    """The member's language when the alert has it, else its first."""
    return member.language if member.language in alert.messages else next(iter(alert.messages))


def _delivery_row(
    alert: Alert, member: Addressee, due: datetime, bin_id: int | None
) -> dict[str, Any]:
    language = _language(alert, member)
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
        _fallback_sms(session, row.id, now)
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
        alert = repo.alert(session, alert_id)
        if buddy_relay.is_relay(alert):
            _relay_ended(session, alert)
        else:
            _relay_to_buddies(session, alert, now)


BUDDY_RELAY = "buddy_relay"  # on the first alert: its unreached members' buddies are called
BUDDY_RELAY_ENDED = "buddy_relay_ended"  # on the first alert: a relay call ended


def _relay_to_buddies(session: Session, alert: Alert, now: datetime) -> None:
    """An urgent alert ended: each member it did not reach who has a buddy that acknowledged
    it is passed on to that buddy (binalert.buddies.relay): one small child alert per buddy,
    whose one delivery the dialer calls like any other."""
    opened = 0
    for plan in buddy_relay.plans(session, alert):
        child = buddy_relay.open_relay(session, alert, plan, now)
        opened += open_deliveries(session, child, [(plan.buddy, now, plan.bin_id)])
        events.record(
            session, alert.id, BUDDY_RELAY, {"alert_id": alert.id, "relay_alert_id": child.id}
        )
    if opened:
        announce(session, ALERTS_CHANGED)


def _relay_ended(session: Session, relay: Alert) -> None:
    """A relay call ended: the first alert's live page hears of it (its own stream)."""
    assert relay.parent_id is not None
    data = {"alert_id": relay.parent_id, "relay_alert_id": relay.id, "status": relay.status}
    events.record(session, relay.parent_id, BUDDY_RELAY_ENDED, data)


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
        _cancel_sms(session, now, alert_id=alert_id)
        complete_if_done(session, alert_id, now)
    return expired


def _cancel_sms(session: Session, now: datetime, **which: Any) -> None:
    """Queued SMS no longer wanted (sms.cancel_queued: of an alert, deliveries, a member):
    cancelled before they go; an SMS-only delivery's own ends with it (cancelled, or by the
    caller's step)."""
    for row in sms.cancel_queued(session, now, **which):
        _sms_event(session, row, events.SMS_FAILED)


def cancel_deliveries(session: Session, delivery_ids: Sequence[int]) -> int:
    """Cancel these deliveries if they wait for a call (a call in progress ends cancelled
    when its member was erased); returns how many were cancelled now."""
    cancelled = 0
    _cancel_sms(session, utcnow(), delivery_ids=delivery_ids)
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
    _cancel_sms(session, utcnow(), member_id=member_id)
    sms.forget_member(session, member_id)
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
    _cancel_sms(session, now, alert_id=alert_id)
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


# -- SMS (#22) ------------------------------------------------------------------------------
#
# An SMS is queued (queue_sms: every SMS of any kind), claimed by the SMS worker and recorded
# as submitting BEFORE the submit_sm goes out (claim_sms), then sent with the SMSC's message
# ids (sms_sent), or queued again (sms_retry: throttled, the link down) or failed (sms_failed:
# a permanent error). Receipts (record_receipt) end each part; the SMS is delivered only when
# every part is. The sweep (sweep_sms) ends what nobody will tell us about: a submit whose
# worker died (unknown: never sent again), a receipt that never came (no_receipt), and the
# SMS-only deliveries whose reply window passed (sms_rules.sms_only_outcome).


def queue_sms(
    session: Session,
    *,
    kind: SmsKind | str,
    phone: str | None,
    language: str,
    text: str,
    member_id: int | None = None,
    delivery_id: int | None = None,
    alert_id: int | None = None,
    bin_id: int | None = None,
    now: datetime,
    not_before: datetime | None = None,
) -> int | None:
    """Queue one SMS to `phone` (sent by the SMS worker from `not_before`, default now);
    returns its id, or None when it may not be texted: SMS is not configured here, the
    number is no mobile of an allowed country, or the member stopped SMS (only the
    confirmation of their STOP still goes). A text that cannot go (control characters, more
    parts than allowed) is refused with Invalid. A member's own SMS (kind service: codes,
    links, welcomes) go to one number at most SERVICE_PER_HOUR times an hour, whoever asks
    (None beyond): a page or a key that can be made to text someone cannot flood them."""
    kind = SmsKind(kind)
    config = sms_rules.config_of(session.info)
    if config is None:
        return None
    number = sms_rules.textable(phone, config.countries)
    if number is None:
        return None
    if kind is SmsKind.SERVICE and _service_limit_reached(session, number, now):
        return None
    if (
        member_id is not None
        and kind is not SmsKind.STOP_CONFIRMATION
        and members.sms_stopped(session, member_id)
    ):
        return None
    body = sms_rules.sms_text(text, config.max_parts)
    row = _sms_row(kind, number, language, body, member_id, delivery_id, alert_id, bin_id, now)
    row["next_try_at"] = not_before or now
    sms_id = sms.insert_message(session, row)
    if delivery_id is not None and alert_id is not None:
        extra = _sms_data(sms_id, kind.value, body.parts) | {"encoding": body.encoding}
        events.record_delivery(
            session, repo.snapshot(session, delivery_id), events.SMS_QUEUED, **extra
        )
    announce(session, SMS_QUEUED)
    return sms_id


def _service_limit_reached(session: Session, number: str, now: datetime) -> bool:
    since = now - timedelta(hours=1)
    return sms.count_to_since(session, number, SmsKind.SERVICE, since) >= (
        sms_rules.SERVICE_PER_HOUR
    )


def _sms_row(
    kind: SmsKind,
    phone: str,
    language: str,
    body: sms_rules.SmsText,
    member_id: int | None,
    delivery_id: int | None,
    alert_id: int | None,
    bin_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "delivery_id": delivery_id,
        "alert_id": alert_id,
        "member_id": member_id,
        "bin_id": bin_id,
        "phone": phone,
        "language": check_language(language),
        "text": body.text,
        "encoding": body.encoding,
        "parts": body.parts,
        "status": SmsStatus.QUEUED.value,
        "tries": 0,
        "next_try_at": now,
        "created_at": now,
    }


def _sms_data(sms_id: int, kind: str, parts: int, **more: Any) -> dict[str, Any]:
    return {"sms_id": sms_id, "sms_kind": kind, "parts": parts, **more}


def queue_alert_sms(session: Session, alert: Alert, now: datetime) -> None:
    """The alert's SMS to each of its deliveries that texts (sms_phone, decided when it
    opened), in its language, due when its first call is (a non-urgent message's texts keep
    its calling hours too), in a few statements for the whole alert. An SMS-only delivery
    that cannot be texted after all (SMS not configured here, the member stopped SMS, no
    text) ends unreachable at once: nobody else would ever close it."""
    wanted = sms.alert_sms_wanted(session, alert.id)
    if not wanted:
        return
    config = sms_rules.config_of(session.info)
    stopped = members.sms_stopped_among(
        session, [w.member_id for w in wanted if w.member_id is not None]
    )
    rows: list[dict[str, Any]] = []
    texted: list[AnyRow] = []
    untextable: list[int] = []
    for want in wanted:
        number = sms_rules.textable(want.sms_phone, config.countries) if config else None
        text = _alert_sms_text(alert, want.language)
        if config is None or number is None or want.member_id in stopped or text is None:
            if not want.call:
                untextable.append(want.id)
            continue
        body = sms_rules.sms_text(text, config.max_parts)
        row = _sms_row(
            SmsKind.ALERT,
            number,
            want.language,
            body,
            want.member_id,
            want.id,
            alert.id,
            want.bin_id,
            now,
        )
        row["next_try_at"] = max(want.next_attempt_at or now, now)
        rows.append(row)
        texted.append(want)
    if not alert.urgent:  # a message's SMS keeps the member's quiet hours too (#24)
        due = hours.quiet_due(session, texted, [row["next_try_at"] for row in rows])
        for row, moment in zip(rows, due, strict=True):
            row["next_try_at"] = moment
    ids = sms.insert_messages(session, rows)
    snapshots = repo.snapshots(session, [w.id for w in texted])
    events.record_many(
        session,
        [
            (
                alert.id,
                events.SMS_QUEUED,
                events.snapshot(snapshots[want.id])
                | _sms_data(sms_id, SmsKind.ALERT.value, row["parts"], encoding=row["encoding"]),
                want.id,
            )
            for want, sms_id, row in zip(texted, ids, rows, strict=True)
        ],
    )
    for delivery_id in untextable:
        _close_sms_only(session, delivery_id, Event.SMS_UNDELIVERED, False, now, "not_textable")
    if ids:
        announce(session, SMS_QUEUED)


def _alert_sms_text(alert: Alert, language: str) -> str | None:
    return _alert_sms_text_of(alert.sms_texts, alert.messages, language)


def _alert_sms_text_of(
    sms_texts: dict[str, str] | None, messages: dict[str, str] | None, language: str
) -> str | None:
    """The alert's SMS text in `language` (sms_texts, written for SMS), else its first SMS
    text, else its message in that language (what the call says)."""
    texts = sms_texts or {}
    if texts.get(language):
        return texts[language]
    if texts:
        return next(iter(texts.values()))
    said = messages or {}
    return said.get(language) or next(iter(said.values()), None)


def claim_sms(
    session: Session,
    now: datetime,
    limit: int,
    worker_id: str,
    lease_seconds: float = sms_rules.SUBMIT_LEASE_SECONDS,
) -> list[AnyRow]:
    """Claim up to `limit` due SMS to submit now: each is recorded as submitting (with this
    worker's lease) in this transaction, which the worker commits before it sends anything:
    an SMS is submitted at most once, whatever happens to the worker after."""
    if limit <= 0:
        return []
    lease_until = now + timedelta(seconds=lease_seconds)
    return sms.claim(session, now, limit, worker_id, lease_until)


_SUBMITTED = (SmsStatus.SUBMITTING.value, SmsStatus.UNKNOWN.value)


def sms_sent(session: Session, sms_id: int, message_ids: Sequence[str], now: datetime) -> bool:
    """The SMSC took every part: their message ids (what receipts name) are stored. Also from
    unknown: a worker that heard the answer after its lease ran out still tells the truth."""
    [sent] = sms_sent_many(session, [(sms_id, message_ids)], now)
    return sent


def sms_sent_many(
    session: Session, answers: Sequence[tuple[int, Sequence[str]]], now: datetime
) -> list[bool]:
    """sms_sent for the answers that came together, (SMS id, message ids) each: one guarded
    UPDATE for them all, one INSERT of their parts, their events; whether each was moved."""
    rows = sms.move_many(
        session,
        [sms_id for sms_id, _ in answers],
        _SUBMITTED,
        SmsStatus.SENT.value,
        claimed_by=None,
        lease_until=None,
        error=None,
    )
    moved = {row.id for row in rows}
    sms.insert_parts_of(session, [(i, list(ids)) for i, ids in answers if i in moved])
    _sms_events(session, [(row, events.SMS_SENT, {}) for row in sorted(rows, key=_by_id)])
    return [sms_id in moved for sms_id, _ in answers]


def _by_id(row: AnyRow) -> int:
    return int(row.id)


def sms_retry(session: Session, sms_id: int, now: datetime, error: str) -> bool:
    """The SMSC did not take it, for now (throttled, its queue full, the link down before
    the submit): queued again, later. After MAX_TRIES such errors it fails."""
    current = sms.get(session, sms_id)
    if current is None:
        return False
    if current.tries >= sms_rules.MAX_TRIES:
        return sms_failed(session, sms_id, now, f"gave up after {current.tries} tries: {error}")
    row = sms.move(
        session,
        sms_id,
        (SmsStatus.SUBMITTING.value,),
        SmsStatus.QUEUED.value,
        next_try_at=sms_rules.retry_at(current.tries, now),
        claimed_by=None,
        lease_until=None,
        submitted_at=None,
        error=error[:200],
    )
    if row is not None:
        announce(session, SMS_QUEUED)
    return row is not None


def sms_failed(
    session: Session, sms_id: int, now: datetime, error: str, message_ids: Sequence[str] = ()
) -> bool:
    """A permanent error on submit (an invalid number, the SMSC refused it): failed.
    `message_ids`: parts the SMSC took before it refused the rest (kept for the count)."""
    row = sms.move(
        session,
        sms_id,
        (SmsStatus.SUBMITTING.value, SmsStatus.QUEUED.value),
        SmsStatus.FAILED.value,
        finished_at=now,
        claimed_by=None,
        lease_until=None,
        error=error[:200],
    )
    if row is None:
        return False
    sms.insert_parts(session, sms_id, list(message_ids))
    _sms_event(session, row, events.SMS_FAILED, error=error[:200])
    _settle_sms_only(session, row, now)
    return True


def sms_unconfirmed(
    session: Session, sms_id: int, message_ids: Sequence[str], now: datetime, reason: str
) -> bool:
    """A part went out and its answer was lost (the connection dropped, no answer in time):
    it may have arrived. Unknown at once, never sent again; the parts confirmed keep their
    message ids, and a receipt naming the number reconciles the rest (record_receipt)."""
    row = sms.move(
        session,
        sms_id,
        (SmsStatus.SUBMITTING.value,),
        SmsStatus.UNKNOWN.value,
        claimed_by=None,
        lease_until=None,
        error=reason[:200],
    )
    if row is None:
        return False
    sms.insert_parts(session, sms_id, list(message_ids))
    _sms_event(session, row, events.SMS_FAILED, error=reason[:200])
    return True


class Receipt(enum.StrEnum):
    RECORDED = "recorded"  # stored (or known already, or a state that changes nothing)
    EARLY = "early"  # for an SMS whose submit's answer is not stored yet: offer it again
    UNMATCHED = "unmatched"  # names no SMS of ours


RECEIPT_LOOKBACK = timedelta(days=3)  # an SMSC keeps trying a switched-off phone this long


class SmsReceipt(NamedTuple):
    """A delivery receipt for one part, as the SMSC's deliver_sm says it (record_receipt)."""

    message_id: str
    state: str  # the receipt's stat, e.g. DELIVRD
    phone: str | None = None  # the handset it is about (a claim of the SMSC's)
    error: str | None = None


def record_receipt(
    session: Session,
    message_id: str,
    state: str,
    now: datetime,
    phone: str | None = None,
    error: str | None = None,
) -> Receipt:
    """A delivery receipt for one part (`state`: the receipt's stat, e.g. DELIVRD). The SMS
    is delivered when every part is, undeliverable/expired/rejected as soon as one part is.

    A receipt naming a message id we do not know, for a number (`phone`, the handset the
    receipt is about) to which an SMS is `unknown` (its worker died between the submit and
    the SMSC's answer, so its message ids were never stored) reconciles that SMS: the oldest
    such SMS to that number takes the message id as its next part. One to an SMS still
    submitting is EARLY (the worker has not stored the answer yet; the link answers the SMSC
    with a temporary error and it offers the receipt again)."""
    [recorded] = record_receipts(session, [SmsReceipt(message_id, state, phone, error)], now)
    return recorded


def record_receipts(
    session: Session, receipts: Sequence[SmsReceipt], now: datetime
) -> list[Receipt]:
    """record_receipt for the receipts that came together, in a few statements for them all:
    the parts they name set in one guarded UPDATE per state, their SMS settled together. A
    receipt whose part awaits none (offered again, or one to reconcile) is looked at alone."""
    results: list[Receipt] = [Receipt.RECORDED] * len(receipts)
    by_status: dict[str, list[int]] = {}
    for index, receipt in enumerate(receipts):
        status = sms_rules.RECEIPT_STATES.get(receipt.state.strip().upper())
        if status is not None:  # (ENROUTE, ACCEPTD: not final, nothing to store)
            by_status.setdefault(status.value, []).append(index)
    settle: dict[int, str | None] = {}  # SMS id -> the error its last receipt here gave
    for part_status, places in by_status.items():
        message_ids = [receipts[i].message_id for i in places]
        updated = sms.set_parts(session, message_ids, part_status, now)
        for index in places:
            receipt = receipts[index]
            sms_id = updated.pop(receipt.message_id, None)  # (a repeat of it here: known)
            if sms_id is None:
                results[index], sms_id = _receipt_unmatched(session, receipt, part_status, now)
            if sms_id is not None:
                settle[sms_id] = receipt.error
    _settle_sms(session, settle, now)
    return results


def _receipt_unmatched(
    session: Session, receipt: SmsReceipt, status: str, now: datetime
) -> tuple[Receipt, int | None]:
    """A receipt whose message id awaits no receipt: known already (offered again), a part of
    an unknown SMS to that number (reconciled: its SMS's id to settle), early, or none of
    ours."""
    if sms.part_of(session, receipt.message_id) is not None:
        return Receipt.RECORDED, None  # a receipt offered again: known already
    e164 = caller_e164(receipt.phone) if receipt.phone else None
    lost = sms.unmatched_to(session, e164, now - RECEIPT_LOOKBACK) if e164 else None
    if lost is None:
        return Receipt.UNMATCHED, None
    if lost.status == SmsStatus.SUBMITTING.value:
        return Receipt.EARLY, None
    sms.insert_reconciled_part(session, lost.id, receipt.message_id, status, now)
    return Receipt.RECORDED, lost.id


_RECEIPTS_END = (
    SmsStatus.SENT.value,
    SmsStatus.UNKNOWN.value,
    SmsStatus.NO_RECEIPT.value,  # a receipt after the timeout: the truth, late
)


def _settle_sms(session: Session, errors: dict[int, str | None], now: datetime) -> None:
    """Each SMS's status from its parts' receipts (`errors`: SMS id -> the error its receipt
    gave): the first part that failed says how it failed; delivered once every part is. The
    SMS that end the same way move in one statement."""
    moves: dict[tuple[str, str | None], list[int]] = {}
    for sms_id, (parts, statuses) in sms.part_statuses(session, list(errors)).items():
        final = _final_status(statuses, parts)
        if final is not None:
            error = errors[sms_id]
            moves.setdefault((final.value, error[:200] if error else None), []).append(sms_id)
    changed: list[AnyRow] = []
    for (final_status, error), ids in moves.items():
        values: dict[str, Any] = {"finished_at": now, "claimed_by": None, "lease_until": None}
        if error:
            values["error"] = error
        changed += sms.move_many(session, ids, _RECEIPTS_END, final_status, **values)
    changed.sort(key=_by_id)
    _sms_events(
        session,
        [
            (
                row,
                events.SMS_DELIVERED
                if row.status == SmsStatus.DELIVERED.value
                else events.SMS_FAILED,
                {},
            )
            for row in changed
        ],
    )
    for row in changed:
        _settle_sms_only(session, row, now)


def _final_status(statuses: Sequence[str], parts: int) -> SmsStatus | None:
    failed = [s for s in statuses if s in _PART_FAILURES]
    if failed:
        return SmsStatus(failed[0])
    if len(statuses) >= parts and all(s == SmsStatus.DELIVERED.value for s in statuses):
        return SmsStatus.DELIVERED
    return None


_PART_FAILURES = frozenset(
    s.value for s in (SmsStatus.UNDELIVERABLE, SmsStatus.EXPIRED, SmsStatus.REJECTED)
)


def _sms_event(session: Session, row: AnyRow, kind: str, **extra: Any) -> None:
    """An SMS change as an event of its delivery (none for an SMS of no delivery)."""
    _sms_events(session, [(row, kind, extra)])


def _sms_events(session: Session, changes: Sequence[tuple[AnyRow, str, dict[str, Any]]]) -> None:
    """_sms_event for many SMS changes: their deliveries read and their events written in one
    statement each."""
    of_deliveries = [
        c for c in changes if c[0].delivery_id is not None and c[0].alert_id is not None
    ]
    if not of_deliveries:
        return
    snapshots = repo.snapshots(session, [row.delivery_id for row, _, _ in of_deliveries])
    items = []
    for row, kind, extra in of_deliveries:
        delivery = snapshots.get(row.delivery_id)
        if delivery is None:
            raise LookupError(f"delivery {row.delivery_id} not found")
        data = _sms_data(row.id, row.kind, row.parts, **extra)
        if kind == events.SMS_FAILED:
            data["sms_status"] = row.status
        items.append((delivery.alert_id, kind, events.snapshot(delivery) | data, delivery.id))
    events.record_many(session, items)


def _settle_sms_only(session: Session, row: AnyRow, now: datetime) -> None:
    """An alert SMS reached a status that may end its SMS-only delivery now."""
    if row.kind != SmsKind.ALERT.value or row.delivery_id is None:
        return
    decided = sms_rules.sms_only_outcome(
        SmsStatus(row.status), row.submitted_at, row.finished_at, now
    )
    if decided is not None:
        _close_sms_only(session, row.delivery_id, *decided, now, f"sms_{row.status}")


def _close_sms_only(
    session: Session, delivery_id: int, event: Event, reached: bool, now: datetime, why: str
) -> None:
    """End an SMS-only delivery (never one the dialer calls: those end with their calls)."""
    if sms.calls(session, delivery_id) is not False:
        return
    try:
        row = repo.transition(
            session, delivery_id, event, reached=reached, last_outcome=None, **_UNCLAIMED
        )
    except Conflict:
        return
    events.record_delivery(session, row, events.DELIVERY_FINAL, channel="sms", reason=why)
    complete_if_done(session, row.alert_id, now)


def sweep_sms(
    session: Session,
    now: datetime,
    receipt_timeout: float = sms_rules.RECEIPT_TIMEOUT_SECONDS,
    reply_window: float = sms_rules.REPLY_WINDOW_SECONDS,
) -> int:
    """End what nobody will tell us about; returns how many SMS and deliveries it ended.
    - submitting past its worker's lease: the worker died (or never heard the SMSC's
      answer): unknown, never sent again (a later receipt for that number reconciles it);
    - sent without a receipt for `receipt_timeout`: no_receipt (never delivered);
    - SMS-only deliveries whose SMS is final and whose reply window has passed."""
    ended = 0
    for sms_id in sms.lost_submits(session, now):
        row = sms.move(
            session,
            sms_id,
            (SmsStatus.SUBMITTING.value,),
            SmsStatus.UNKNOWN.value,
            claimed_by=None,
            lease_until=None,
            error="no answer to the submit recorded (worker gone)",
        )
        if row is not None:
            ended += 1
            _sms_event(session, row, events.SMS_FAILED)
    cutoff = now - timedelta(seconds=receipt_timeout)
    for sms_id in sms.awaiting_receipt(session, cutoff):
        row = sms.move(
            session,
            sms_id,
            (SmsStatus.SENT.value,),
            SmsStatus.NO_RECEIPT.value,
            finished_at=now,
        )
        if row is not None:
            ended += 1
            _sms_event(session, row, events.SMS_FAILED)
    final = [s.value for s in sms_rules.FINAL]
    for waiting in sms.sms_only_waiting(session, final):
        decided = sms_rules.sms_only_outcome(
            SmsStatus(waiting.status), waiting.submitted_at, waiting.finished_at, now, reply_window
        )
        if decided is not None:
            ended += 1
            _close_sms_only(session, waiting.delivery_id, *decided, now, f"sms_{waiting.status}")
    return ended


# -- replies ------------------------------------------------------------------------------


def store_reply(session: Session, from_phone: str | None, text: str, now: datetime) -> int:
    """Keep an SMS someone sent to binalert's number, before the SMSC is told it arrived:
    a reply received while the store is down is refused (the link answers with a temporary
    error) and offered again by the SMSC, never lost. Only what the sender claims: a number
    (None when it is none) and the text (printable, cut to its column)."""
    sender = caller_e164(from_phone) if from_phone else None
    return sms.insert_reply(session, sender, sms_rules.clean_reply(text), now)


def handle_reply(session: Session, from_phone: str | None, text: str, now: datetime) -> str:
    """Store a reply, then act on it (handle_stored_reply); returns what it did."""
    reply_id = store_reply(session, from_phone, text, now)
    return handle_stored_reply(session, reply_id, now) or ""


def handle_stored_reply(session: Session, reply_id: int, now: datetime) -> str | None:
    """Act on a stored reply, once (None: handled before):
    - from no member's number (as the sender ID claims it): nothing changes, nothing is sent;
    - 1, ja, oui, yes, ok: acknowledges the delivery of the newest alert that texted that
      number (and stops its calls);
    - STOP: the members with that number are texted no more (a record each), and one
      confirmation goes back;
    - anything else: one polite "we cannot read replies; call 101, or 112" a day at most.

    A sender ID is a claim, like a caller ID. A 1 still acknowledges here (a 1 on a call back
    does not): it acknowledges only a delivery whose SMS went to that very number, so whoever
    holds that phone did receive the text; a forged sender can at most mark one member's
    SMS as read, and the police page shows it as acknowledged by SMS, apart from a 1 on a
    call. STOP is what the rules of SMS ask to honour from any sender."""
    reply = sms.reply(session, reply_id)
    if reply is None or reply.handled_at is not None:
        return None
    phone = reply.from_phone
    holders = members.sms_holders(session, phone) if phone else []
    if phone is None or not holders:
        sms.mark_reply(session, reply_id, now, sms_rules.ReplyAction.STRANGER.value)
        return sms_rules.ReplyAction.STRANGER.value
    action = sms_rules.classify(reply.text)
    member_id: int | None = holders[0].member_id
    delivery_id: int | None = None
    if action is sms_rules.ReplyAction.ACK:
        acknowledged = _acknowledge_by_sms(session, phone, reply_id, now)
        if acknowledged is not None:
            member_id, delivery_id = acknowledged
    elif action is sms_rules.ReplyAction.STOP:
        _stop_sms(session, phone, holders, now)
    else:
        _cannot_read(session, phone, holders[0], now)
    sms.mark_reply(session, reply_id, now, action.value, member_id, delivery_id)
    return action.value


def _acknowledge_by_sms(
    session: Session, phone: str, reply_id: int, now: datetime
) -> tuple[int | None, int] | None:
    """The first delivery not acknowledged yet of the newest alert texted to `phone` (of
    several, two members sharing a mobile, one per reply): acknowledged by SMS. A call
    ringing now ends without a retry; its calls stop (an acknowledged delivery is never
    claimed). Returns (member, delivery), or None when there is nothing to acknowledge."""
    since = now - timedelta(hours=sms_rules.REPLY_HOURS)
    for target in sms.texted_deliveries(session, phone, since):
        if target.status == DeliveryStatus.ACKNOWLEDGED.value:
            continue
        try:
            row = repo.transition(
                session, target.id, Event.ACKNOWLEDGE_SMS, acknowledged_at=now, reached=True
            )
        except Conflict:  # cancelled, or acknowledged meanwhile
            continue
        events.record_delivery(
            session, row, events.ACKNOWLEDGED, channel="sms", sms_reply_id=reply_id
        )
        if target.status in tables.WAITING:
            complete_if_done(session, row.alert_id, now)
        announce(session, ALERTS_CHANGED)
        return target.member_id, target.id
    return None


def _stop_sms(
    session: Session, phone: str, holders: Sequence[members.SmsHolder], now: datetime
) -> None:
    """STOP: every member with that number is texted no more (sms_stopped_at, a record of
    kind sms_stop each); their queued SMS are cancelled; one confirmation goes back, in the
    first one's language, only when this STOP changed something (a second STOP, or an
    auto-reply repeating it, gets nothing)."""
    stopped = members.stop_sms(session, [h.member_id for h in holders], now)
    for holder in holders:
        if holder.member_id in stopped:
            records.record(session, holder.member_id, holder.bin_id, "sms_stop", RecordChannel.SMS)
            for row in sms.cancel_queued(session, now, member_id=holder.member_id):
                _sms_event(session, row, events.SMS_FAILED)
                _settle_sms_only(session, row, now)
    if not stopped:
        return
    first = next(h for h in holders if h.member_id in stopped)
    _answer(session, SmsKind.STOP_CONFIRMATION, phone, first, now)


def _cannot_read(session: Session, phone: str, holder: members.SmsHolder, now: datetime) -> None:
    since = now - timedelta(hours=sms_rules.CANNOT_READ_HOURS)
    if sms.sent_to_since(session, phone, SmsKind.CANNOT_READ, since):
        return
    _answer(session, SmsKind.CANNOT_READ, phone, holder, now)


def _answer(
    session: Session, kind: SmsKind, phone: str, holder: members.SmsHolder, now: datetime
) -> None:
    """binalert's own answer to a reply (the `sms_<kind>` phrase), in the member's language."""
    queue_sms(
        session,
        kind=kind,
        phone=phone,
        language=holder.language,
        text=sms_phrase(kind.value, holder.language),
        member_id=holder.member_id,
        bin_id=holder.bin_id,
        now=now,
    )


def unhandled_replies(session: Session, received_before: datetime, limit: int = 100) -> list[int]:
    """Stored replies not acted on yet (their handling failed, or the worker died between):
    the SMS worker's sweep takes them up."""
    return sms.unhandled_replies(session, received_before, limit)


# -- the BIN's fallback -------------------------------------------------------------------

_ANY_SMS_OF_DELIVERY = tuple(
    s.value
    for s in (
        SmsStatus.QUEUED,
        SmsStatus.SUBMITTING,
        SmsStatus.SENT,
        SmsStatus.DELIVERED,
        SmsStatus.NO_RECEIPT,
        SmsStatus.UNKNOWN,
    )
)
_NOT_REACHED = (DeliveryStatus.UNREACHABLE.value, DeliveryStatus.UNACKNOWLEDGED.value)


def _fallback_sms(session: Session, delivery_id: int, now: datetime) -> int | None:
    """An urgent delivery whose calls ended unreachable or unacknowledged, in a BIN that asks
    for it (bins.sms_fallback): one SMS to the member's first textable number, unless an SMS
    of that delivery went (or goes) already. Its reply 1 acknowledges (ACKNOWLEDGE_SMS)."""
    context = sms.fallback_context(session, delivery_id)
    if context is None or not context.urgent or context.status not in _NOT_REACHED:
        return None
    if context.member_id is None or sms.has_sms(session, delivery_id, _ANY_SMS_OF_DELIVERY):
        return None
    bins = [context.bin_id] if context.bin_id is not None else list(context.bin_ids or [])
    if not sms.any_bin_falls_back(session, bins):
        return None
    config = sms_rules.config_of(session.info)
    candidates = [context.sms_phone, *(context.phones or [])]
    number = next(
        (n for n in candidates if config and sms_rules.textable(n, config.countries)), None
    )
    if config is None or number is None:
        return None
    alert_text = _alert_sms_text_of(context.sms_texts, context.messages, context.language)
    if alert_text is None:
        return None
    text = f"{sms_phrase('fallback_intro', context.language)} {alert_text}"
    if sms_rules.sms_text(text, 255).parts > config.max_parts:
        text = alert_text  # the alert's own text fits (it was checked at the preview)
    return queue_sms(
        session,
        kind=SmsKind.FALLBACK,
        phone=number,
        language=context.language,
        text=text,
        member_id=context.member_id,
        delivery_id=delivery_id,
        alert_id=context.alert_id,
        bin_id=context.bin_id,
        now=now,
    )
