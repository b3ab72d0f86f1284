"""Retention: summarise finished alerts into alert_stats, then purge their per-member details.

An alert is purged once it is finished (completed, cancelled or expired) and ended before the
cutoff. Its deliveries (member, phone numbers, key pressed), call attempts and delivery events are
deleted, and its SMS (numbers, texts, receipts); the alert itself (the police message) and the
anonymous counts in alert_stats stay. SMS of no alert and members' replies go after as long.
The sound cache goes with them: sounds (spoken alert texts, such as a plate) not used since the
cutoff are deleted (`purge_sounds`).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Delete,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from binalert.buddies.relay import RELAY_AUDIENCE
from binalert.clock import utcnow
from binalert.members.signup import FORGET_AFTER, forget_unconfirmed
from binalert.models import (
    OPEN_DELIVERY_STATUSES,
    Alert,
    AlertStats,
    AlertStatus,
    BuddyRelay,
    CallAttempt,
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    SmsMessage,
    SmsPart,
    SmsReply,
    SmsStatus,
)
from binalert.service_calls import forget_before
from tts.cache import AudioCache

FINISHED = (AlertStatus.COMPLETED, AlertStatus.CANCELLED, AlertStatus.EXPIRED)
NO_OUTCOME = "none"


@dataclass
class PurgeResult:
    """What one purge did; the alert_ids are the alerts whose details were deleted."""

    alert_ids: list[int]
    summarised: int = 0
    call_attempts: int = 0
    delivery_events: int = 0
    deliveries: int = 0
    skipped_open: int = 0
    sms: int = 0  # SMS (the alerts' and binalert's own), with their numbers and texts
    sms_replies: int = 0  # what members texted binalert

    @property
    def alerts(self) -> int:
        return len(self.alert_ids)


def cutoff(days: int, now: datetime | None = None) -> datetime:
    """The moment before which finished alerts lose their details."""
    if days < 1:
        raise ValueError("retention must keep at least one day of details")
    return (now or utcnow()) - timedelta(days=days)


def purge_sounds(sounds_dir: Path, older_than: datetime, now: datetime | None = None) -> int:
    """Delete the cached sounds not used since older_than; how many. A sound in use is touched
    by the speech cache (at most hourly), so only sounds unused for the whole retention go."""
    if not sounds_dir.is_dir():
        return 0
    age = (now or utcnow()) - older_than
    return AudioCache(sounds_dir).purge(age.total_seconds())


def purge_call_details(session: Session, older_than: datetime) -> PurgeResult:
    """Summarise, then delete, the details of every finished alert that ended before older_than.

    Alerts that still have open deliveries are left alone (counted in skipped_open). The caller's
    session transaction is used; commit it to make the purge permanent.
    """
    result = PurgeResult(alert_ids=[])
    for alert in _finished_before(session, older_than):
        if _has_open_deliveries(session, alert.id):
            result.skipped_open += 1
            continue
        if _has_details(session, alert.id):
            result.summarised += _summarise(session, alert)
            _delete_details(session, alert.id, result)
    _delete_old_sms(session, older_than, result)
    return result


_SMS_OPEN = (SmsStatus.QUEUED.value, SmsStatus.SUBMITTING.value, SmsStatus.SENT.value)


def _delete_old_sms(session: Session, older_than: datetime, result: PurgeResult) -> None:
    """The SMS of no alert (a STOP's answer, the one polite answer, a member's code or link)
    once finished before the cutoff, and the replies received before it: numbers and texts
    are personal data, kept no longer than an alert's details."""
    old = select(SmsMessage.id).where(
        SmsMessage.alert_id.is_(None),
        SmsMessage.created_at < older_than,
        SmsMessage.status.not_in(_SMS_OPEN),
    )
    _execute_delete(session, delete(SmsPart).where(SmsPart.sms_id.in_(old)))
    result.sms += _execute_delete(session, delete(SmsMessage).where(SmsMessage.id.in_(old)))
    replies = delete(SmsReply).where(SmsReply.received_at < older_than)
    result.sms_replies += _execute_delete(session, replies)


def _finished_before(session: Session, older_than: datetime) -> list[Alert]:
    ended = func.coalesce(Alert.completed_at, Alert.valid_until)
    query = (
        select(Alert)
        .where(Alert.status.in_([s.value for s in FINISHED]), ended < older_than)
        .order_by(Alert.id)
    )
    return list(session.scalars(query))


def _has_open_deliveries(session: Session, alert_id: int) -> bool:
    open_statuses = [s.value for s in OPEN_DELIVERY_STATUSES]
    query = select(
        exists().where(Delivery.alert_id == alert_id, Delivery.status.in_(open_statuses))
    )
    return bool(session.scalar(query))


def _has_details(session: Session, alert_id: int) -> bool:
    deliveries = exists().where(Delivery.alert_id == alert_id)
    events = exists().where(DeliveryEvent.alert_id == alert_id)
    return bool(session.scalar(select(deliveries | events)))


def _summarise(session: Session, alert: Alert) -> int:
    """Write the alert's aggregates unless an earlier purge already did; 1 if written."""
    if session.get(AlertStats, alert.id) is not None:
        return 0
    session.add(build_stats(session, alert))
    session.flush()
    return 1


def build_stats(session: Session, alert: Alert) -> AlertStats:
    """The anonymous aggregates of one alert, from its deliveries and call attempts."""
    statuses = _count(session, Delivery.status, Delivery.alert_id == alert.id)
    languages = _count(session, Delivery.language, Delivery.alert_id == alert.id)
    outcomes = _count_outcomes(session, alert.id)
    last_outcomes = _count(session, Delivery.last_outcome, Delivery.alert_id == alert.id)
    waits = _seconds_to_ack(session, alert)
    return AlertStats(
        alert_id=alert.id,
        computed_at=utcnow(),
        deliveries=sum(statuses.values()),
        acknowledged=statuses.get(DeliveryStatus.ACKNOWLEDGED.value, 0),
        call_attempts=sum(outcomes.values()),
        status_counts=statuses,
        outcome_counts=outcomes,
        last_outcome_counts=last_outcomes,
        language_counts=languages,
        seconds_to_first_ack=waits[0] if waits else None,
        median_seconds_to_ack=statistics.median(waits) if waits else None,
        p90_seconds_to_ack=_percentile(waits, 0.9),
    )


def _count(
    session: Session, column: InstrumentedAttribute[Any], condition: ColumnElement[bool]
) -> dict[str, int]:
    """Rows per value of column (NULL counted as "none")."""
    query = select(column, func.count()).where(condition).group_by(column)
    return {(NO_OUTCOME if key is None else str(key)): int(n) for key, n in session.execute(query)}


def _count_outcomes(session: Session, alert_id: int) -> dict[str, int]:
    query = (
        select(CallAttempt.outcome, func.count())
        .join(Delivery, CallAttempt.delivery_id == Delivery.id)
        .where(Delivery.alert_id == alert_id)
        .group_by(CallAttempt.outcome)
    )
    counts: Counter[str] = Counter()
    for outcome, n in session.execute(query):
        counts[outcome or NO_OUTCOME] += int(n)
    return dict(counts)


def _seconds_to_ack(session: Session, alert: Alert) -> list[float]:
    query = select(Delivery.acknowledged_at).where(
        Delivery.alert_id == alert.id, Delivery.acknowledged_at.is_not(None)
    )
    start = alert.created_at
    return sorted(max(0.0, (at - start).total_seconds()) for at in session.scalars(query) if at)


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _delete_details(session: Session, alert_id: int, result: PurgeResult) -> None:
    """Delete children before parents, so no backend depends on ON DELETE CASCADE."""
    deliveries = select(Delivery.id).where(Delivery.alert_id == alert_id)
    attempts = delete(CallAttempt).where(CallAttempt.delivery_id.in_(deliveries))
    events = delete(DeliveryEvent).where(DeliveryEvent.alert_id == alert_id)
    rows = delete(Delivery).where(Delivery.alert_id == alert_id)
    # The buddies' relays (#24) name deliveries; a relay alert's text names a neighbour
    # (first name and street): both go with the details.
    relays = delete(BuddyRelay).where(
        or_(BuddyRelay.alert_id == alert_id, BuddyRelay.relay_alert_id == alert_id)
    )
    _execute_delete(session, relays)
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.audience == RELAY_AUDIENCE)
        .values(messages={"nl": ""}, sms_texts=None),
        execution_options={"synchronize_session": False},
    )
    sms_of_alert = select(SmsMessage.id).where(SmsMessage.alert_id == alert_id)
    _execute_delete(session, delete(SmsPart).where(SmsPart.sms_id.in_(sms_of_alert)))
    result.sms += _execute_delete(
        session, delete(SmsMessage).where(SmsMessage.alert_id == alert_id)
    )
    result.call_attempts += _execute_delete(session, attempts)
    result.delivery_events += _execute_delete(session, events)
    result.deliveries += _execute_delete(session, rows)
    result.alert_ids.append(alert_id)


def _execute_delete(session: Session, statement: Delete) -> int:
    """Run a bulk DELETE (objects already loaded in the session are not synchronised)."""
    cursor = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], cursor).rowcount or 0)


def forget_signups(session: Session, now: datetime) -> int:
    """#24: forget the sign-ups nobody confirmed within 48 hours, and the service calls older
    than that (their numbers with them). How many sign-ups went. Run by every dispatcher's
    service calls every ten minutes and by `binalert purge`."""
    forgotten = forget_unconfirmed(session, now)
    forget_before(session, now - FORGET_AFTER)
    return forgotten
