"""One way to say "something changed, go and read the store": announce(session, topic).

A service announces inside the transaction that made the change. Subscribers in this process
are woken once that transaction has committed (the Runtime's after-commit hook publishes on
its EventBus); on PostgreSQL a NOTIFY in the same transaction wakes the other processes at
commit (pgnotify.PgWakeups). A rolled-back change wakes nobody.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import on_postgres

ALERTS_CHANGED = "alerts_changed"
"""An alert was created, cancelled or changed: the dispatcher should look again."""

DELIVERY_EVENTS = "delivery_events"
"""New rows in delivery_events: live streams should read them."""

WEBHOOK_JOBS = "webhook_jobs"
"""New webhook jobs were committed: the sender should look."""

SMS_QUEUED = "sms_queued"
"""SMS were queued (#22): the SMS worker should look."""

TOPICS = frozenset({ALERTS_CHANGED, DELIVERY_EVENTS, WEBHOOK_JOBS, SMS_QUEUED})
CHANNEL = "binalert"
"""The PostgreSQL NOTIFY channel; the payload is the topic."""

_ANNOUNCED = "binalert.announced"
_NOTIFY = text("SELECT pg_notify(:channel, :topic)")


def announce(session: Session, topic: str) -> None:
    """Wake whoever waits for `topic` once this session's transaction commits."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    announced: set[str] = session.info.setdefault(_ANNOUNCED, set())
    if topic in announced:
        return
    announced.add(topic)
    if on_postgres(session):
        session.connection().execute(_NOTIFY, {"channel": CHANNEL, "topic": topic})


def take_announced(session: Session) -> set[str]:
    """The topics announced in the transaction that just ended (and forget them)."""
    announced: set[str] = session.info.pop(_ANNOUNCED, set())
    return announced
