"""An alert's progress: counts, acknowledgement rate, and when everyone will have been tried."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.alerts import repository as repo
from binalert.alerts.schemas import AlertStatsOut, Estimate, SmsStatsOut
from binalert.clock import utcnow
from binalert.models import Alert, AlertStatus, Delivery, DeliveryStatus
from binalert.settings import Settings

DEFAULT_CALL_SECONDS = 45.0


def average_call_seconds(session: Session) -> float:
    """Measured from recently finished calls; about 45 s before any call was made."""
    spans = [(end - start).total_seconds() for start, end in repo.recent_call_spans(session)]
    spans = [s for s in spans if 0 <= s < 3600]
    return sum(spans) / len(spans) if spans else DEFAULT_CALL_SECONDS


def estimate(
    session: Session,
    alert: Alert,
    settings: Settings,
    open_deliveries: int,
    member_bins: repo.Scope = None,
) -> Estimate:
    call_seconds = max(average_call_seconds(session), 1.0)
    rate = sum(min(pbx.max_cps, pbx.max_channels / call_seconds) for pbx in settings.pbxes)
    untried = repo.untried_count(session, alert.id, member_bins)
    if alert.status != AlertStatus.ACTIVE.value or open_deliveries == 0:
        return Estimate(
            calls_per_second=rate,
            average_call_seconds=call_seconds,
            untried=untried,
            all_tried_by=None,
            finished_by=alert.completed_at,
        )
    now = utcnow()
    if alert.calls_from is not None and alert.calls_from > now:  # a message held until then
        now = alert.calls_from
    all_tried = now + timedelta(seconds=untried / rate + (call_seconds if untried else 0))
    retries = settings.retry_delay_seconds[: max(settings.max_attempts - 1, 0)]
    finished = all_tried + timedelta(seconds=sum(retries) + call_seconds * len(retries))
    return Estimate(
        calls_per_second=rate,
        average_call_seconds=call_seconds,
        untried=untried,
        all_tried_by=min(all_tried, alert.valid_until),
        finished_by=min(finished, alert.valid_until),
    )


def _seconds_since(start: datetime, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if end is not None else None


def alert_stats(
    session: Session, alert: Alert, settings: Settings, member_bins: repo.Scope = None
) -> AlertStatsOut:
    """The alert's counts as a caller may read them: within `member_bins` (their zone's part
    of a shared alert), all of them when None."""
    by_status = repo.count_by(session, alert.id, Delivery.status, member_bins)
    by_outcome = repo.count_by(session, alert.id, Delivery.last_outcome, member_bins)
    total = sum(by_status.values())
    acknowledged = by_status.get(DeliveryStatus.ACKNOWLEDGED.value, 0)
    open_now = repo.open_count(session, alert.id, member_bins)
    return AlertStatsOut(
        deliveries=total,
        by_status=by_status,
        by_outcome=by_outcome,
        acknowledged=acknowledged,
        acknowledgement_rate=round(acknowledged / total, 4) if total else 0.0,
        seconds_to_first_ack=_seconds_since(
            alert.created_at, repo.first_ack(session, alert.id, member_bins)
        ),
        estimate=estimate(session, alert, settings, open_now, member_bins),
        heard_on_call_back=repo.heard_on_call_back_count(session, alert.id, member_bins),
        sms=SmsStatsOut(
            by_status=repo.sms_counts(session, alert.id, member_bins),
            parts=repo.sms_parts_total(session, alert.id, member_bins),
            acknowledged=repo.acknowledged_by_sms_count(session, alert.id, member_bins),
            texted_only=repo.texted_only_count(session, alert.id, member_bins),
        ),
    )
