"""Lab plumbing for the dialer bench: an own Asterisk, stores, progress counts and wire clocks.
(Alerts are seeded with lab.seed.seed_alert, as the tests seed theirs.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from binalert import migrate
from binalert.models import CallAttempt, Delivery
from ivr.ami import AmiConnection
from lab.harness import FINAL
from lab.pbx import LabPbx, temporary_lab
from store.db import Store


def lab_pbx() -> contextlib.AbstractContextManager[LabPbx]:
    """A lab Asterisk of the bench's own (unique name, free port), removed afterwards."""
    return temporary_lab(f"bench{os.getpid()}")


def new_store(folder: Path, name: str) -> Store:
    url = f"sqlite:///{folder / name}.db"
    migrate.upgrade(url)
    return Store(url)


def count_final(store: Store, alert_id: int) -> int:
    with store.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.alert_id == alert_id, Delivery.status.in_(FINAL))
            )
            or 0
        )


def count_attempted(store: Store, alert_id: int) -> int:
    with store.session() as s:
        return int(
            s.scalar(
                select(func.coalesce(func.sum(Delivery.attempts), 0)).where(
                    Delivery.alert_id == alert_id
                )
            )
            or 0
        )


def attempt_lengths(store: Store, alert_id: int) -> list[float]:
    """Seconds from claim to the recorded end of each finished attempt of the alert."""
    with store.session() as s:
        rows = s.execute(
            select(CallAttempt.started_at, CallAttempt.ended_at)
            .join(Delivery, Delivery.id == CallAttempt.delivery_id)
            .where(Delivery.alert_id == alert_id, CallAttempt.ended_at.is_not(None))
        )
        return [(end - start).total_seconds() for start, end in rows if end is not None]


class FinalWatcher:
    """Waits in its own thread until an alert is final; its CPU time is kept apart, so the
    dispatcher's CPU = process CPU - this thread's CPU."""

    def __init__(self, store: Store, alert_id: int, total: int, interval: float = 0.05) -> None:
        self.store, self.alert_id, self.total, self.interval = store, alert_id, total, interval
        self.done_at: float | None = None
        self.cpu = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        start = time.thread_time()
        while count_final(self.store, self.alert_id) < self.total:
            time.sleep(self.interval)
        self.done_at = time.perf_counter()
        self.cpu = time.thread_time() - start

    async def wait(self, timeout: float) -> float:
        await asyncio.wait_for(asyncio.to_thread(self._thread.join), timeout)
        assert self.done_at is not None
        return self.done_at


class OriginateClock:
    """Wraps AmiConnection.action: when each Originate was handed to the socket.
    (AmiConnection.action writes the action synchronously, before its first await.)"""

    def __init__(self, ami: AmiConnection) -> None:
        self.sent: dict[str, float] = {}
        self._action: Callable[..., Awaitable[Any]] = ami.action
        ami.action = self._timed  # type: ignore[method-assign]

    async def _timed(self, fields: dict[str, Any], timeout: float | None = None) -> Any:
        if fields.get("Action") == "Originate":
            self.sent[str(fields.get("ChannelId"))] = time.perf_counter()
        return await self._action(fields, timeout)


class WireTap:
    """A second AMI session: when Asterisk announced each of our channels (Newchannel)."""

    def __init__(self, pbx: LabPbx) -> None:
        self.pbx = pbx
        self.seen: dict[str, float] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        inst = self.pbx.instance
        reader, self._writer = await asyncio.open_connection("127.0.0.1", inst.ami_port)
        self._writer.write(
            f"Action: Login\r\nUsername: {inst.ami_username}\r\nSecret: {inst.ami_secret}\r\n"
            "Events: call\r\n\r\n".encode()
        )
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            block = await reader.readuntil(b"\r\n\r\n")
            now = time.perf_counter()
            if block.startswith(b"Event: Newchannel\r\n"):
                for line in block.split(b"\r\n"):
                    if line.startswith(b"Uniqueid: "):
                        self.seen.setdefault(line[10:].decode(), now)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.IncompleteReadError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
