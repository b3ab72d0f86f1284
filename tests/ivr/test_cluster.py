"""Two workers, two Asterisk servers, one PostgreSQL: one alert to 200 simulated members."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from binalert.models import CallAttempt, Delivery
from lab.cli import lab_environment
from lab.pbx import LabPbx, temporary_lab
from lab.seed import seed_alert
from lab.sim import SIM, SimMember
from store.db import Store
from tests.ivr.harness import deliveries, wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.postgres]

MIX = [SIM.PRESS_1] * 18 + [SIM.BUSY, SIM.HANGS_UP]
NUMBERS = [MIX[i % 20].number(i) for i in range(200)]


@pytest.fixture
def second_pbx() -> Iterator[LabPbx]:
    with temporary_lab(f"test{os.getpid()}b") as pbx:
        yield pbx


def _pbx_entry(pbx: LabPbx, sounds: str) -> dict[str, object]:
    env = lab_environment(pbx)
    return {
        "name": pbx.instance.name,
        "ami_port": pbx.instance.ami_port,
        "ami_secret": pbx.instance.ami_secret,
        "max_channels": 12,
        "max_cps": 40,
        "dial_template": env["BINALERT_DIAL_TEMPLATE"],
        "pbx_sounds_dir": sounds,
    }


def _worker(name: str, store: Store, pbxes: list[LabPbx]) -> subprocess.Popen[bytes]:
    first = lab_environment(pbxes[0])
    env = os.environ | {
        "BINALERT_DATABASE_URL": store.url,
        "BINALERT_ENVIRONMENT": "test",
        "BINALERT_SOUNDS_DIR": first["BINALERT_SOUNDS_DIR"],
        "BINALERT_PBXES": json.dumps(
            [_pbx_entry(p, first["BINALERT_PBX_SOUNDS_DIR"]) for p in pbxes]
        ),
        "BINALERT_RING_TIMEOUT": "6",
        "BINALERT_CALL_DEADLINE": "30",
        "BINALERT_RETRY_DELAYS": "1",
        "BINALERT_AMD_ENABLED": "false",
        "BINALERT_DIGIT_TIMEOUT": "3",
        "BINALERT_WORKER_ID": name,
        "BINALERT_SHUTDOWN_GRACE": "3",
    }
    binalert = Path(sys.executable).parent / "binalert"
    return subprocess.Popen(
        [str(binalert), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _open_calls_per_pbx(store: Store) -> dict[str, int]:
    with store.session() as s:
        rows = s.execute(
            select(CallAttempt.pbx, func.count())
            .where(CallAttempt.ended_at.is_(None))
            .group_by(CallAttempt.pbx)
        ).all()
    return {pbx: count for pbx, count in rows}


def _acknowledged(store: Store, alert_id: int) -> int:
    return sum(d.status == "acknowledged" for d in deliveries(store, alert_id))


@pytest.mark.timeout(300)
async def test_two_workers_two_pbxes_one_alert_and_a_worker_dies(
    pbx: LabPbx, second_pbx: LabPbx, pg_store: Store
) -> None:
    alert_id = seed_alert(pg_store, NUMBERS)
    workers = [_worker(name, pg_store, [pbx, second_pbx]) for name in ("w1", "w2")]
    peak = 0
    try:
        deadline = time.monotonic() + 120
        while _acknowledged(pg_store, alert_id) < 40 and time.monotonic() < deadline:
            peak = max(peak, *_open_calls_per_pbx(pg_store).values(), 0)
            await asyncio.sleep(0.2)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        waiting = asyncio.create_task(wait_until_final(pg_store, alert_id, 200))
        while not waiting.done():
            peak = max(peak, *_open_calls_per_pbx(pg_store).values(), 0)
            await asyncio.sleep(0.2)
        rows = waiting.result()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(20)
    with pg_store.session() as s:
        per_attempt = s.execute(
            select(CallAttempt.delivery_id, CallAttempt.number, func.count())
            .group_by(CallAttempt.delivery_id, CallAttempt.number)
            .having(func.count() > 1)
        ).all()
        used = set(s.scalars(select(CallAttempt.pbx).distinct()))
        late = s.execute(
            select(Delivery.id)
            .join(CallAttempt, CallAttempt.delivery_id == Delivery.id)
            .where(
                Delivery.status == "acknowledged", CallAttempt.started_at > Delivery.acknowledged_at
            )
        ).all()
    assert not per_attempt, f"members called twice for the same attempt: {per_attempt}"
    assert used == {pbx.instance.name, second_pbx.instance.name}
    assert 0 < peak <= 12, f"a PBX had {peak} calls open; its limit is 12 for all workers"
    assert not late
    statuses: dict[SimMember, set[str]] = {member: set() for member in MIX}
    for number, row in zip(NUMBERS, rows, strict=True):
        statuses[SIM.of(number)].add(row.status)
    assert statuses[SIM.PRESS_1] == {"acknowledged"}
    assert statuses[SIM.BUSY] == {"unreachable"}
    assert statuses[SIM.HANGS_UP] == {"unacknowledged"}
