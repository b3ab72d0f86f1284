"""Crashes mid-alert: a SIGKILLed dispatcher and a restarting Asterisk lose nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from binalert.models import CallAttempt, Delivery
from lab.cli import lab_environment
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import deliveries, wait_until_final

pytestmark = [pytest.mark.pbx]

# 50 members: most acknowledge (some at once, some after a busy line or a replay), some
# never answer, some hang up: calls of very different lengths are in flight at any moment.
BEHAVIOURS = [
    SIM.PRESS_1,
    SIM.PRESS_1,
    SIM.BUSY_THEN_PRESS_1,
    SIM.PRESS_2_THEN_1,
    SIM.PRESS_1,
    SIM.NO_ANSWER,
    SIM.HANGS_UP,
    SIM.PRESS_1,
    SIM.INVALID_KEY_THEN_1,
    SIM.PRESS_1,
]
NUMBERS = [BEHAVIOURS[i % 10].number(i) for i in range(50)]


def _worker(pbx: LabPbx, store: Store, sounds: Path) -> subprocess.Popen[bytes]:
    env = (
        os.environ
        | lab_environment(pbx)
        | {
            "BINALERT_DATABASE_URL": store.url,
            "BINALERT_ENVIRONMENT": "test",
            "BINALERT_RING_TIMEOUT": "6",
            "BINALERT_RETRY_DELAYS": "1",
            "BINALERT_MAX_CHANNELS": "12",
            "BINALERT_MAX_CPS": "20",
            "BINALERT_AMD_ENABLED": "false",
            "BINALERT_DIGIT_TIMEOUT": "3",
            "BINALERT_WORKER_ID": "crash-test-worker",
            "BINALERT_SHUTDOWN_GRACE": "3",
        }
    )
    binalert = Path(sys.executable).parent / "binalert"
    return subprocess.Popen(
        [str(binalert), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _acknowledged(store: Store, alert_id: int) -> set[int]:
    return {d.id for d in deliveries(store, alert_id) if d.status == "acknowledged"}


def _assert_nobody_called_after_acknowledging(store: Store, alert_id: int) -> None:
    with store.session() as s:
        rows = s.execute(
            select(Delivery.id, CallAttempt.started_at, Delivery.acknowledged_at)
            .join(CallAttempt, CallAttempt.delivery_id == Delivery.id)
            .where(Delivery.alert_id == alert_id, Delivery.status == "acknowledged")
        ).all()
    late = [r for r in rows if r.started_at > r.acknowledged_at]
    assert not late, f"acknowledged members called again: {late}"


@pytest.mark.timeout(240)
async def test_sigkilled_dispatcher_restarts_and_finishes_the_alert(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = seed_alert(sqlite_store, NUMBERS)
    worker = _worker(pbx, sqlite_store, pbx.sounds_dir)
    try:
        deadline = time.monotonic() + 90
        while len(_acknowledged(sqlite_store, alert_id)) < 8 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        before = _acknowledged(sqlite_store, alert_id)
        assert before, "no acknowledgement before the kill"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        in_flight = [d for d in deliveries(sqlite_store, alert_id) if d.status == "calling"]
        worker = _worker(pbx, sqlite_store, pbx.sounds_dir)
        rows = await wait_until_final(sqlite_store, alert_id, 180)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    assert before <= _acknowledged(sqlite_store, alert_id)
    assert in_flight, "the kill should have left calls in flight"
    _assert_nobody_called_after_acknowledging(sqlite_store, alert_id)
    by_behaviour = {SIM.of(n): d.status for n, d in zip(NUMBERS, rows, strict=True)}
    assert by_behaviour[SIM.PRESS_1] == "acknowledged"
    assert by_behaviour[SIM.NO_ANSWER] == "unreachable"


@pytest.mark.timeout(180)
async def test_asterisk_restart_mid_alert_ends_with_every_member_final(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    numbers = NUMBERS[:20]
    alert_id = seed_alert(sqlite_store, numbers)
    settings = lab_settings(pbx, sqlite_store, max_channels=10, ring_timeout=6)
    async with running_dispatcher(settings, sqlite_store) as service:
        while not _acknowledged(sqlite_store, alert_id):
            await asyncio.sleep(0.1)
        await asyncio.to_thread(pbx.rx, "core restart now")
        rows = await wait_until_final(sqlite_store, alert_id, 150)
        assert service.dialer is not None and service.dialer.ami.reconnects >= 1
    _assert_nobody_called_after_acknowledging(sqlite_store, alert_id)
    statuses = {SIM.of(n): d.status for n, d in zip(numbers, rows, strict=True)}
    assert statuses[SIM.PRESS_1] == "acknowledged"
    assert statuses[SIM.NO_ANSWER] == "unreachable"


@pytest.mark.timeout(120)
async def test_sigterm_stops_claiming_lets_calls_finish_and_loses_nothing(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = seed_alert(sqlite_store, SIM.PRESS_1.numbers(30))
    worker = _worker(pbx, sqlite_store, pbx.sounds_dir)
    try:
        while not _acknowledged(sqlite_store, alert_id):
            await asyncio.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
        after_stop = deliveries(sqlite_store, alert_id)
        assert not [d for d in after_stop if d.status == "calling"], "calls left open"
        assert any(d.status == "pending" for d in after_stop), "stopped before the end"
        worker = _worker(pbx, sqlite_store, pbx.sounds_dir)
        rows = await wait_until_final(sqlite_store, alert_id, 90)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
    assert {d.status for d in rows} == {"acknowledged"}
    _assert_nobody_called_after_acknowledging(sqlite_store, alert_id)
