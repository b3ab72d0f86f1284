"""The PBX and the store down at the same moment, just after a call was claimed and before it
was placed, and the PBX back first: once the store is back too, the call is put back and
made, its member acknowledges, and no attempt stays open (an open attempt holds one of the
PBX's channels in every worker's count). Before #20 the put-back that met the store away
left the call in the dialer's book for ever (never swept, its delivery `calling` for ever),
and a reconcile at login that met it left the dialer held, placing nothing, for ever."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from binalert.models import CallAttempt
from lab.harness import LabSoundsAudio, lab_settings, running_dispatcher
from lab.pbx import LabPbx, temporary_lab
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import wait_until_final

pytestmark = [pytest.mark.pbx]


@pytest.fixture
def doomed_pbx() -> Iterator[LabPbx]:
    with temporary_lab(f"test{os.getpid()}r") as pbx:
        yield pbx


class _StoreAway:
    """Every transaction of the dispatcher's store thread fails while `until` lies ahead (the
    test still reads the store)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.until = 0.0
        self.refused = 0
        real = store.session

        @contextlib.contextmanager
        def session() -> Iterator[Any]:
            dispatcher = threading.current_thread().name.startswith("binalert-db")
            if dispatcher and time.monotonic() < self.until:
                self.refused += 1
                raise OperationalError("BEGIN", {}, Exception("connection refused"))
            with real() as s:
                yield s

        monkeypatch.setattr(store, "session", session)


class _BothGoDown(LabSoundsAudio):
    """The first call's audio is asked for between its claim and its Originate: then the PBX
    is killed and the store goes away (until the test brings it back)."""

    def __init__(self, pbx: LabPbx, store_away: _StoreAway) -> None:
        super().__init__()
        self.pbx = pbx
        self.store_away = store_away
        self.struck = False

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        if not self.struck:
            self.struck = True
            await asyncio.to_thread(self.pbx.kill)
            self.store_away.until = float("inf")
            await asyncio.sleep(1.0)  # the AMI session has seen its connection close
        return await super().variables(alert_id, language)


@pytest.mark.timeout(120)
async def test_a_call_claimed_as_the_pbx_and_the_store_go_down_is_made_once_both_are_back(
    doomed_pbx: LabPbx, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_away = _StoreAway(sqlite_store, monkeypatch)
    audio = _BothGoDown(doomed_pbx, store_away)
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_1.number(31)])
    settings = lab_settings(doomed_pbx, sqlite_store, ring_timeout=6, call_deadline=30)
    async with running_dispatcher(settings, sqlite_store, audio=audio) as service:
        dialer = service.dialer
        assert dialer is not None
        while not audio.struck:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # the put-back of the call not placed meets the store away
        await asyncio.to_thread(doomed_pbx.start)
        await asyncio.wait_for(dialer.ami.ready.wait(), 30)
        await asyncio.sleep(1.5)  # so does the reconcile after the login
        refused = store_away.refused
        store_away.until = 0.0
        [row] = await wait_until_final(sqlite_store, alert_id, 60)
    with sqlite_store.session() as s:
        outcomes = list(s.scalars(select(CallAttempt.outcome).order_by(CallAttempt.id)))
        still_open = s.scalar(select(func.count()).where(CallAttempt.ended_at.is_(None)))
    assert refused >= 2  # the put-back and the reconcile met the store away
    assert row.status == "acknowledged"
    assert outcomes == ["failed", "answered"]  # not placed, then made
    assert still_open == 0
