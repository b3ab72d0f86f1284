"""Delivery transitions with their side effects: attempts, events, alert completion.

Each function runs inside the caller's transaction (one short transaction per call event).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.deliveries import events
from binalert.deliveries import repository as repo
from binalert.deliveries.repository import ClaimedCall, TransitionConflict
from binalert.models import (
    OPEN_DELIVERY_STATUSES,
    AlertStatus,
    CallAttempt,
    CallOutcome,
    Delivery,
    DeliveryStatus,
)
from ivr import wire
from ivr.machine import Event, sources, target
from ivr.policy import REACHED, CallNow, GiveUp, RetryAfter, RetryPolicy

OPEN_STATUSES = {s.value for s in OPEN_DELIVERY_STATUSES}


@dataclass(frozen=True)
class ClaimOptions:
    worker_id: str
    pbx: str
    call_seconds: int  # ring timeout + the longest call: the attempt's deadline
    lease_margin: int = 10  # after the deadline the dialer has hung up: the call is over
    max_channels: int | None = None  # the PBX's limit, shared by every worker using it


def _move(session: Session, delivery_id: int, event: Event, **values: object) -> None:
    repo.transition(session, delivery_id, sources(event), target(event), **values)


def claim_due(
    session: Session, now: datetime, limit: int, options: ClaimOptions
) -> list[ClaimedCall]:
    """Claim up to `limit` due deliveries and open one call attempt for each.

    With max_channels set, the calls already open on this PBX (by any worker) count
    against its limit; claims for one PBX are serialised (an advisory lock on PostgreSQL).
    """
    if options.max_channels is not None:
        repo.lock_pbx(session, options.pbx)
        limit = min(limit, options.max_channels - repo.open_attempt_count(session, options.pbx))
    claimed = []
    for delivery in repo.due_deliveries(session, now, limit):
        try:
            claimed.append(_claim_one(session, delivery, now, options))
        except TransitionConflict:  # another dialer claimed it first
            continue
    return claimed


def _claim_one(
    session: Session, delivery: Delivery, now: datetime, opt: ClaimOptions
) -> ClaimedCall:
    delivery_id = delivery.id
    phone_index = min(delivery.next_phone_index, len(delivery.phones) - 1)
    round_number = delivery.rounds + 1 if phone_index == 0 else max(delivery.rounds, 1)
    deadline = now + timedelta(seconds=opt.call_seconds)
    _move(
        session,
        delivery_id,
        Event.CLAIM,
        attempts=delivery.attempts + 1,
        rounds=round_number,
        claimed_by=opt.worker_id,
        lease_until=deadline + timedelta(seconds=opt.lease_margin),
    )
    attempt = repo.add_attempt(
        session,
        CallAttempt(
            delivery_id=delivery_id,
            number=delivery.attempts + 1,
            phone_index=phone_index,
            channel_id=f"claim-{uuid.uuid4().hex[:30]}",
            pbx=opt.pbx,
            started_at=now,
            deadline=deadline,
        ),
    )
    attempt.channel_id = wire.call_id(attempt.id)
    session.flush()
    snapshot = events.snapshot(delivery) | {
        "status": DeliveryStatus.CALLING.value,
        "attempts": delivery.attempts + 1,
    }
    events.record(session, delivery.alert_id, events.CALL_STARTED, snapshot, delivery_id)
    return ClaimedCall(
        attempt_id=attempt.id,
        channel_id=attempt.channel_id,
        delivery_id=delivery_id,
        alert_id=delivery.alert_id,
        phone=delivery.phones[phone_index],
        phone_index=phone_index,
        phone_count=len(delivery.phones),
        round_number=round_number,
        language=delivery.language,
        deadline=deadline,
    )


def acknowledge(session: Session, channel_id: str, digit: str, now: datetime) -> bool:
    """The member pressed 1. True if this changed the delivery (False: already known)."""
    attempt = repo.attempt_by_channel(session, channel_id)
    if attempt is None:
        return False
    repo.set_attempt_digit(session, attempt.id, digit, now)
    try:
        _move(
            session,
            attempt.delivery_id,
            Event.ACKNOWLEDGE,
            acknowledged_at=now,
            digit=digit,
            last_outcome=CallOutcome.ANSWERED.value,
            reached=True,
        )
    except TransitionConflict:
        return False
    delivery = repo.get_delivery(session, attempt.delivery_id)
    events.record_delivery(session, delivery, events.ACKNOWLEDGED, channel_id=channel_id)
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
    """A call ended (or was found gone): close the attempt and move the delivery on."""
    attempt = repo.attempt_by_channel(session, channel_id)
    if attempt is None or not repo.finish_attempt(
        session,
        attempt.id,
        ended_at=now,
        outcome=outcome.value,
        hangup_cause=hangup_cause,
        answered_at=answered_at,
    ):
        return False
    delivery = repo.get_delivery(session, attempt.delivery_id)
    if delivery.status == DeliveryStatus.CALLING.value:
        _after_unacknowledged_call(session, delivery, attempt, outcome, now, policy)
    else:
        repo.transition(
            session,
            delivery.id,
            [delivery.status],
            delivery.status,
            claimed_by=None,
            lease_until=None,
        )
    delivery = repo.get_delivery(session, attempt.delivery_id)
    events.record_delivery(
        session,
        delivery,
        events.CALL_ENDED,
        outcome=outcome.value,
        channel_id=channel_id,
        hangup_cause=hangup_cause,
    )
    if delivery.status not in OPEN_STATUSES:
        complete_if_done(session, delivery.alert_id, now)
    return True


def _after_unacknowledged_call(
    session: Session,
    delivery: Delivery,
    attempt: CallAttempt,
    outcome: CallOutcome,
    now: datetime,
    policy: RetryPolicy,
) -> None:
    delivery_id = delivery.id
    alert = repo.alert(session, delivery.alert_id)
    reached = delivery.reached or outcome in REACHED
    common = {
        "last_outcome": outcome.value,
        "reached": reached,
        "claimed_by": None,
        "lease_until": None,
    }
    if alert.status == AlertStatus.CANCELLED.value:
        repo.transition(
            session, delivery_id, [DeliveryStatus.CALLING], DeliveryStatus.CANCELLED, **common
        )
        return
    decision = policy.after_call(
        delivery.rounds, attempt.phone_index, len(delivery.phones), reached
    )
    next_at = _next_attempt_at(decision, now)
    if isinstance(decision, GiveUp) or (next_at is not None and next_at >= alert.valid_until):
        final = Event.EXHAUST_REACHED if reached else Event.EXHAUST_UNREACHED
        if not isinstance(decision, GiveUp):
            repo.transition(
                session, delivery_id, [DeliveryStatus.CALLING], DeliveryStatus.EXPIRED, **common
            )
            return
        _move(session, delivery_id, final, **common)
        return
    phone_index = decision.phone_index if isinstance(decision, CallNow) else 0
    _move(
        session,
        delivery_id,
        Event.RETRY_LATER,
        next_attempt_at=next_at,
        next_phone_index=phone_index,
        **common,
    )


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
    attempt = repo.attempt_by_channel(session, channel_id)
    if attempt is None or not repo.finish_attempt(
        session, attempt.id, ended_at=now, outcome=CallOutcome.FAILED.value
    ):
        return
    delivery = repo.get_delivery(session, attempt.delivery_id)
    try:
        _move(
            session,
            delivery.id,
            Event.RELEASE,
            attempts=max(delivery.attempts - 1, 0),
            rounds=max(delivery.rounds - (attempt.phone_index == 0), 0),
            next_attempt_at=now + timedelta(seconds=delay),
            claimed_by=None,
            lease_until=None,
        )
    except TransitionConflict:
        return
    events.record_delivery(
        session,
        repo.get_delivery(session, delivery.id),
        events.CALL_ENDED,
        outcome="not_placed",
        reason=reason,
        channel_id=channel_id,
    )


def complete_if_done(session: Session, alert_id: int, now: datetime) -> None:
    if repo.has_open_deliveries(session, alert_id):
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
                _move(session, delivery_id, Event.EXPIRE, claimed_by=None, lease_until=None)
            except TransitionConflict:
                continue
            events.record_delivery(
                session, repo.get_delivery(session, delivery_id), events.DELIVERY_FINAL
            )
        complete_if_done(session, alert_id, now)
    return expired


def cancel_alert(session: Session, alert_id: int, now: datetime, by: str) -> int:
    """Cancel an active alert: every waiting delivery is cancelled at once; calls already
    ringing finish and end cancelled (unless the member acknowledged). Returns how many
    deliveries were cancelled now."""
    if not repo.close_alert(session, alert_id, AlertStatus.CANCELLED, now):
        return 0
    cancelled = 0
    for delivery_id in repo.waiting_deliveries(session, alert_id):
        try:
            _move(session, delivery_id, Event.CANCEL)
        except TransitionConflict:
            continue
        cancelled += 1
        events.record_delivery(
            session, repo.get_delivery(session, delivery_id), events.DELIVERY_FINAL
        )
    events.record(
        session,
        alert_id,
        events.ALERT_CANCELLED,
        {"alert_id": alert_id, "status": AlertStatus.CANCELLED.value, "by": by},
    )
    return cancelled
