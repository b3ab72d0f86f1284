"""Speech that fails in the middle of an alert (the engine gone from the worker) is a health
state with its reason, not calls silently "not placed" every 10 s: the worker claims nothing
more (its calls wait for a worker that can speak), its heartbeat says why, and once a check
speaks again the calls go out and are acknowledged."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from binalert.models import DeliveryEvent
from binalert.workers import repository as heartbeats
from ivr import health
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.announce import ALERTS_CHANGED
from store.db import Store
from tests.ivr.harness import wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(240)]


async def _until(what: str, check: object, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(check):  # type: ignore[arg-type]
        assert asyncio.get_running_loop().time() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.1)


async def test_a_worker_whose_speech_fails_mid_alert_holds_its_calls_until_it_speaks_again(
    pbx: LabPbx, sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "SPEECH_PROBE_SECONDS", 2.0)  # check again sooner than 15 s
    settings = lab_settings(pbx, sqlite_store, heartbeat_seconds=0.5, digit_timeout=4)
    path = os.environ["PATH"]
    async with running_dispatcher(settings, sqlite_store, speech=True) as service:
        await _until("the start's speech check", lambda: service.speech_checks >= 1)
        assert service.speech_health.healthy
        monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # espeak-ng is gone
        # Earlier tests of this process spoke the same lab texts: forget their sounds, so
        # this alert must be spoken now (a cached sound would hide the missing engine).
        for sound in service.runtime.speech.cache.directory.glob("nl-*"):
            sound.unlink(missing_ok=True)
        alert_id = seed_alert(sqlite_store, [SIM.PRESS_1.number(31), SIM.PRESS_1.number(32)])
        service.runtime.bus.publish(ALERTS_CHANGED)
        await _until("the worker knows it cannot speak", lambda: not service.speech_health.healthy)
        assert "espeak-ng" in (service.speech_health.reason or "")

        def says_why() -> bool:
            with sqlite_store.session() as s:
                [beat] = heartbeats.reports(s)
            return not beat.speech_healthy and "speech engine failing" in (beat.reason or "")

        await _until("its heartbeat says why", says_why)
        monkeypatch.setenv("PATH", path)  # the engine is back
        rows = await wait_until_final(sqlite_store, alert_id, 90)
        assert service.speech_health.healthy
    assert [d.status for d in rows] == ["acknowledged", "acknowledged"]
    with sqlite_store.session() as s:
        events = s.scalars(select(DeliveryEvent).where(DeliveryEvent.alert_id == alert_id))
        held = [e.data for e in events if e.data.get("outcome") == "not_placed"]
    assert held, "the calls tried while speech failed are recorded as not placed"
    assert all(str(e["reason"]).startswith("speech engine failing") for e in held)
    assert len(held) <= 4, f"{len(held)} calls were claimed while the worker could not speak"
