"""Acknowledgement reports of one BIN: per alert, per language, and who to follow up.

Only the BIN's coordinator (or an admin) reads them: they name members."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from binalert.alerts import repository as alerts_repo
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins.geo import where_text
from binalert.bins.service import visible_bin
from binalert.models import Alert, Delivery, DeliveryStatus, Member, Role
from binalert.reports import repository as repo
from binalert.reports.schemas import AlertRow, BinReport, FollowUpRow, LanguageRow

ALERTS = 20
FOLLOW_UP_ALERTS = 3
MISSED = (DeliveryStatus.UNREACHABLE.value, DeliveryStatus.UNACKNOWLEDGED.value)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _ack_seconds(alert: Alert, rows: Sequence[Delivery]) -> list[float]:
    return [
        (d.acknowledged_at - alert.created_at).total_seconds()
        for d in rows
        if d.acknowledged_at is not None
    ]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


SMS_FAILED = ("undeliverable", "expired", "rejected", "failed")
SMS_NO_RECEIPT = ("no_receipt", "unknown")


def _sms_columns(sms: dict[str, tuple[int, int]], by_sms: int) -> dict[str, int]:
    def count(*statuses: str) -> int:
        return sum(sms.get(s, (0, 0))[0] for s in statuses)

    return {
        "acknowledged_by_sms": by_sms,
        "sms": sum(n for n, _ in sms.values()),
        "sms_parts": sum(parts for _, parts in sms.values()),
        "sms_delivered": count("delivered"),
        "sms_failed": count(*SMS_FAILED),
        "sms_no_receipt": count(*SMS_NO_RECEIPT),
    }


def _alert_row(
    alert: Alert,
    rows: Sequence[Delivery],
    sms: dict[str, tuple[int, int]] | None = None,
    by_sms: int = 0,
) -> AlertRow:
    acked = sum(d.status == DeliveryStatus.ACKNOWLEDGED.value for d in rows)
    return AlertRow(
        alert_id=alert.id,
        created_at=alert.created_at,
        incident_ref=alert.incident_ref,
        status=alert.status,
        deliveries=len(rows),
        acknowledged=acked,
        unreachable=sum(d.status == DeliveryStatus.UNREACHABLE.value for d in rows),
        acknowledgement_rate=_rate(acked, len(rows)),
        median_seconds_to_ack=_median(_ack_seconds(alert, rows)),
        urgent=alert.urgent,
        parent_id=alert.parent_id,
        heard_on_call_back=sum(_heard_unverified(d) for d in rows),
        place=where_text(alert.place, alert.route),
        **_sms_columns(sms or {}, by_sms),
    )


def _heard_unverified(d: Delivery) -> bool:
    """A 1 on a call back (caller ID only) and no acknowledgement on our own call."""
    return d.heard_on_call_back_at is not None and d.status != DeliveryStatus.ACKNOWLEDGED.value


def _paired(rows: list[AlertRow]) -> list[AlertRow]:
    """Newest first, each follow-up right after the alert it follows (when listed)."""
    listed = {row.alert_id for row in rows}
    children: dict[int, list[AlertRow]] = defaultdict(list)
    for row in rows:
        if row.parent_id in listed:
            children[row.parent_id].append(row)
    out: list[AlertRow] = []
    for row in rows:
        if row.parent_id not in listed:
            out.append(row)
            out += sorted(children[row.alert_id], key=lambda child: child.alert_id)
    return out


def _languages(rows: Sequence[Delivery]) -> list[LanguageRow]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in rows:
        totals[d.language][0] += 1
        totals[d.language][1] += d.status == DeliveryStatus.ACKNOWLEDGED.value
    return [
        LanguageRow(language=lang, deliveries=n, acknowledged=a, acknowledgement_rate=_rate(a, n))
        for lang, (n, a) in sorted(totals.items())
    ]


def _follow_up(alerts: list[Alert], pairs: Sequence[tuple[Delivery, Member]]) -> list[FollowUpRow]:
    recent = {a.id for a in alerts[:FOLLOW_UP_ALERTS]}
    found: dict[int, FollowUpRow] = {}
    for d, m in pairs:  # in alert order: the last one seen is the newest
        if d.alert_id not in recent or d.status not in MISSED:
            continue
        missed = found[m.id].missed + 1 if m.id in found else 1
        found[m.id] = FollowUpRow(
            member_id=m.id,
            name=m.name,
            phone=m.phone,
            language=m.language,
            missed=missed,
            last_status=d.status,
            last_outcome=d.last_outcome,
            last_alert_id=d.alert_id,
        )
    return sorted(found.values(), key=lambda row: (-row.missed, row.name))


def bin_report(session: Session, caller: Caller, bin_id: int) -> BinReport:
    require_role(caller.principal, Role.COORDINATOR)
    found = visible_bin(session, caller, bin_id)
    alerts = repo.recent_alerts_of_bin(session, bin_id, ALERTS)
    pairs = repo.deliveries_in_bin(session, bin_id, [a.id for a in alerts])
    by_alert: dict[int, list[Delivery]] = defaultdict(list)
    for d, _ in pairs:
        by_alert[d.alert_id].append(d)
    all_seconds = [s for a in alerts for s in _ack_seconds(a, by_alert[a.id])]
    sms = repo.sms_by_alert(session, bin_id, [a.id for a in alerts])
    by_sms = alerts_repo.acknowledged_by_sms(session, [d.id for d, _ in pairs])
    rows = [
        _alert_row(a, by_alert[a.id], sms.get(a.id), sum(d.id in by_sms for d in by_alert[a.id]))
        for a in alerts
    ]
    return BinReport(
        bin_id=found.id,
        bin_name=found.name,
        sms_parts=sum(row.sms_parts for row in rows),
        alerts=_paired(rows),
        languages=_languages([d for d, _ in pairs]),
        follow_up=_follow_up(alerts, pairs),
        median_seconds_to_ack=_median(all_seconds),
    )
