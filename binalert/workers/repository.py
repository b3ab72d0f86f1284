"""worker_heartbeats: written by the dialing processes, read by /ready, /metrics and pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from binalert.models import WorkerHeartbeat
from binalert.workers.health import DialerReport

REASON_LENGTH = 300
FORGOTTEN_AFTER = timedelta(days=1)  # a dead worker is listed (as dead) this long


def beat(session: Session, reports: list[DialerReport]) -> None:
    """Write (or renew) each report as its worker's heartbeat for its PBX; forget workers
    dead for a day (a replaced container never comes back under its name)."""
    if reports:
        old = min(r.last_seen for r in reports) - FORGOTTEN_AFTER
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < old))
    for report in reports:
        session.merge(
            WorkerHeartbeat(
                worker_id=report.worker_id,
                pbx=report.pbx,
                pbx_healthy=report.pbx_healthy,
                speech_healthy=report.speech_healthy,
                reason=(report.reason or None) and report.reason[:REASON_LENGTH],
                interval_seconds=report.interval_seconds,
                last_seen=report.last_seen,
            )
        )


def forget(session: Session, worker_id: str, pbx: str | None = None) -> None:
    """A worker that stops cleanly: it dials no more, at once (not three intervals later);
    only its heartbeat for `pbx` if given (its SMS link: workers.health.SMS_LINK)."""
    query = delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id)
    if pbx is not None:
        query = query.where(WorkerHeartbeat.pbx == pbx)
    session.execute(query)


def reports(session: Session) -> list[DialerReport]:
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.pbx)).all()
    return [
        DialerReport(
            worker_id=row.worker_id,
            pbx=row.pbx,
            pbx_healthy=row.pbx_healthy,
            speech_healthy=row.speech_healthy,
            reason=row.reason,
            last_seen=row.last_seen,
            interval_seconds=row.interval_seconds,
        )
        for row in rows
    ]
