"""PostgreSQL LISTEN/NOTIFY: wake other processes at once (workers, API servers).

Writers: a session that inserts an alert or a delivery event sends NOTIFY in the same
transaction (PostgreSQL delivers it at commit, never for a rolled-back write).
Listeners: each process LISTENs and republishes on its in-process EventBus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

from binalert.bus import ALERTS_CHANGED, DELIVERY_EVENTS, WEBHOOK_JOBS, EventBus
from binalert.db import on_postgres
from binalert.models import Alert, DeliveryEvent, WebhookDelivery

log = logging.getLogger(__name__)
CHANNEL = "binalert"
TOPICS = {ALERTS_CHANGED, DELIVERY_EVENTS, WEBHOOK_JOBS}
_NOTIFIED = "binalert.notified"


def _after_flush(session: Session, _context: Any) -> None:
    topics = set()
    for obj in session.new:
        if isinstance(obj, Alert):
            topics.add(ALERTS_CHANGED)
        elif isinstance(obj, DeliveryEvent):
            topics.add(DELIVERY_EVENTS)
        elif isinstance(obj, WebhookDelivery):
            topics.add(WEBHOOK_JOBS)
    for topic in topics:
        session.connection().execute(text("SELECT pg_notify(:c, :t)"), {"c": CHANNEL, "t": topic})


def notify(session: Session, topic: str) -> None:
    """For writers that bypass the ORM flush (Core inserts): NOTIFY once per transaction."""
    if not on_postgres(session):
        return
    sent = session.info.setdefault(_NOTIFIED, set())
    if topic not in sent:
        sent.add(topic)
        session.connection().execute(text("SELECT pg_notify(:c, :t)"), {"c": CHANNEL, "t": topic})


def _forget_notified(session: Session, *_args: Any) -> None:
    session.info.pop(_NOTIFIED, None)


def install_notify(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "after_transaction_end", _forget_notified)


class PgWakeups:
    """LISTEN on the shared channel and wake this process's bus (a background service)."""

    def __init__(self, url: str, bus: EventBus) -> None:
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        self.bus = bus
        self.connected = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def health(self) -> dict[str, object]:
        return {"service": "pg-listen", "connected": self.connected}

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as error:
                log.warning("LISTEN %s lost: %s; again in %.1f s", CHANNEL, error, delay)
            self.connected = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.connected = True
            for topic in TOPICS:  # anything committed while we were away
                self.bus.publish(topic)
            async for notice in conn.notifies():
                if notice.payload in TOPICS:
                    self.bus.publish(notice.payload)
