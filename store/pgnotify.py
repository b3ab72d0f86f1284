"""PostgreSQL LISTEN: wake this process when another one announced a change.

Writers NOTIFY in their own transaction (store.announce; PostgreSQL delivers it at
commit, never for a rolled-back write). Each process LISTENs and republishes on its
in-process EventBus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from store.announce import CHANNEL, TOPICS
from store.bus import EventBus

log = logging.getLogger(__name__)


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
