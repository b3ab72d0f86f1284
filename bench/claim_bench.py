"""The claim on its own: how long one claim of a batch takes (lifecycle.claim_due, in its
transaction, rolled back so every run sees the same queue), on SQLite and PostgreSQL.

The queue: an urgent alert of 5,000 members waiting, and a non-urgent message of 20,000
members whose calls are due (a morning after a message sent at night). Cases:
    urgent      urgent deliveries wait: the claim takes them (the dialer's hot path)
    message     only the message waits, within its BINs' calling hours
    closed      only the message waits, but its BINs' calling hours have closed (backlog at
                20:00): the claim must place none of them (it defers them to the next morning)
    busy+       30 of the PBX's 40 channels are taken, urgent deliveries wait: non-urgent calls
                have used their share, the claim takes urgent ones only
    busy        the same with only the message waiting: 2 non-urgent calls fit in their share
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from bench.backends import on_each_backend
from binalert.deliveries import lifecycle
from binalert.models import Alert, Bin, CallAttempt, Delivery, Member, Membership
from ivr import wire
from store.db import Store

URGENT_MEMBERS = 5_000
MESSAGE_MEMBERS = 20_000
BATCH = 10
RUNS = 200
TARGET_MS = 10.0  # an urgent claim of 10 (lock, count, claim, attempts, events) on either backend
# Tuesday 1 December 2026: 10:00 and 20:30 in Brussels (UTC+1).
OPEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)


def _seed(store: Store, urgent_members: int) -> tuple[int, int]:
    """(urgent alert id, message id); the urgent alert has `urgent_members` deliveries."""
    due = OPEN - timedelta(hours=1)
    with store.session() as s:
        bin_ = Bin(name="Bench BIN", municipality="Brugge", police_zone="Brugge")
        s.add(bin_)
        s.flush()
        ids = s.scalars(
            insert(Member).returning(Member.id, sort_by_parameter_order=True),
            [
                {"name": f"M{i}", "phone": f"+3250{i:07d}", "language": "nl"}
                for i in range(MESSAGE_MEMBERS)
            ],
        ).all()
        s.execute(insert(Membership), [{"bin_id": bin_.id, "member_id": i} for i in ids])
        alerts = []
        for urgent in (True, False):
            alert = Alert(
                created_by="bench",
                created_at=due,
                incident_ref="BENCH",
                bin_ids=[bin_.id],
                messages={"nl": "x"},
                urgent=urgent,
                valid_from=due,
                valid_until=due + timedelta(days=3),
            )
            s.add(alert)
            s.flush()
            alerts.append(alert.id)
            members = ids[:urgent_members] if urgent else ids
            s.execute(
                insert(Delivery),
                [
                    {
                        "alert_id": alert.id,
                        "member_id": m,
                        "urgent": urgent,
                        "language": "nl",
                        "phones": [f"+3250{m:07d}"],
                        "next_attempt_at": due,
                        "bin_id": bin_.id,
                    }
                    for m in members
                ],
            )
    return alerts[0], alerts[1]


def _occupy(store: Store, calls: int) -> None:
    """`calls` open call attempts on the bench's PBX (none when 0)."""
    with store.session() as s:
        s.execute(delete(CallAttempt))
        ids = s.scalars(select(Delivery.id).order_by(Delivery.id.desc()).limit(calls)).all()
        if ids:
            s.execute(
                insert(CallAttempt),
                [
                    {
                        "delivery_id": d,
                        "number": 1,
                        "channel_id": f"busy-{d}",
                        "pbx": "pbx1",
                        "started_at": OPEN,
                        "deadline": OPEN + timedelta(minutes=5),
                    }
                    for d in ids
                ],
            )


def _time_claims(store: Store, now: datetime) -> tuple[list[float], int]:
    options = lifecycle.ClaimOptions("bench", "pbx1", wire.call_id, 60, max_channels=40)
    times, claimed = [], 0
    for _ in range(RUNS):
        with store.sessions() as s:
            s.begin()
            t0 = time.perf_counter()
            claimed = len(lifecycle.claim_due(s, now, BATCH, options))
            times.append((time.perf_counter() - t0) * 1000)
            s.rollback()
    return times, claimed


def _case(
    store: Store, urgent_alert: int, now: datetime, urgent_waiting: bool, busy: int = 0
) -> str:
    _occupy(store, busy)
    with store.session() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.alert_id == urgent_alert)
            .values(status="pending" if urgent_waiting else "acknowledged")
        )
    times, claimed = _time_claims(store, now)
    p50, p95 = statistics.median(times), sorted(times)[int(0.95 * (len(times) - 1))]
    return f"{p50:7.2f} {p95:7.2f}  {claimed:3d}"


def _backend(name: str, store: Store, report: Callable[[str], None]) -> None:
    urgent_alert, _message = _seed(store, URGENT_MEMBERS)
    if store.is_postgres:  # statistics for the planner, as autovacuum would gather them
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    rows = (
        ("urgent", OPEN, True, 0),
        ("message", OPEN, False, 0),
        ("closed", CLOSED, False, 0),
        ("busy+", OPEN, True, 30),
        ("busy", OPEN, False, 30),
    )
    for label, now, urgent_waiting, busy in rows:
        line = _case(store, urgent_alert, now, urgent_waiting, busy)
        verdict = ""
        if label.startswith("urgent") or label == "busy+":
            p50 = float(line.split()[0])
            verdict = f"  target {TARGET_MS:.0f}  {'ok' if p50 <= TARGET_MS else 'MISSED'}"
        report(f"    {name:10} {label:8} {line}{verdict}")


def main() -> None:
    print(
        f"claim: one claim of {BATCH} (ms, {RUNS} runs, rolled back), {URGENT_MEMBERS} urgent "
        f"and {MESSAGE_MEMBERS} non-urgent deliveries due",
        flush=True,
    )
    print("    backend    case       p50 ms  p95 ms  claimed", flush=True)
    on_each_backend("claim", _backend)


if __name__ == "__main__":
    main()
