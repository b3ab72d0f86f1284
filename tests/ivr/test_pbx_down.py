"""A PBX that dies mid-alert is drained: its calls end as lost and go out on the other PBX."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from binalert.models import CallAttempt
from binalert.settings import PbxSettings
from lab.cli import lab_environment
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx, temporary_lab
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(150)]


@pytest.fixture
def doomed_pbx() -> Iterator[LabPbx]:
    with temporary_lab(f"test{os.getpid()}d") as pbx:
        yield pbx


def _pbx(pbx: LabPbx, sounds: str) -> PbxSettings:
    env = lab_environment(pbx)
    return PbxSettings(
        name=pbx.instance.name,
        ami_port=pbx.instance.ami_port,
        max_channels=4,
        max_cps=20,
        dial_template=env["BINALERT_DIAL_TEMPLATE"],
        pbx_sounds_dir=sounds,
    )


async def test_calls_of_a_killed_pbx_are_retried_on_the_other(
    pbx: LabPbx, doomed_pbx: LabPbx, sqlite_store: Store
) -> None:
    sounds = lab_environment(pbx)["BINALERT_PBX_SOUNDS_DIR"]
    settings = lab_settings(
        pbx, sqlite_store, pbxes=[_pbx(pbx, sounds), _pbx(doomed_pbx, sounds)], call_deadline=30
    )
    alert_id = seed_alert(sqlite_store, SIM.PRESS_1.numbers(16))
    async with running_dispatcher(settings, sqlite_store):
        while not _open_on(sqlite_store, doomed_pbx.instance.name):
            await asyncio.sleep(0.05)
        doomed_pbx.kill()
        rows = await wait_until_final(sqlite_store, alert_id, 120)
    with sqlite_store.session() as s:
        lost = s.scalars(
            select(CallAttempt).where(CallAttempt.pbx == doomed_pbx.instance.name)
        ).all()
    killed = [a for a in lost if a.digit is None]
    assert killed and all(a.outcome in ("failed", "hangup_no_ack") for a in killed)
    assert {d.status for d in rows} == {"acknowledged"}


def _open_on(store: Store, pbx: str) -> bool:
    with store.session() as s:
        found = s.scalar(
            select(CallAttempt.id).where(CallAttempt.pbx == pbx, CallAttempt.ended_at.is_(None))
        )
    return found is not None


async def test_a_retry_after_a_network_failure_goes_to_the_other_pbx(
    pbx: LabPbx, doomed_pbx: LabPbx, sqlite_store: Store
) -> None:
    """Congestion (a network failure) on one PBX: the retry is placed by the other one."""
    sounds = lab_environment(pbx)["BINALERT_PBX_SOUNDS_DIR"]
    settings = lab_settings(
        pbx,
        sqlite_store,
        pbxes=[_pbx(pbx, sounds), _pbx(doomed_pbx, sounds)],
        max_attempts=4,
        retry_delays="1",
    )
    alert_id = seed_alert(sqlite_store, [SIM.CONGESTION.number(17)])
    async with running_dispatcher(settings, sqlite_store):
        [row] = await wait_until_final(sqlite_store, alert_id, 60)
    with sqlite_store.session() as s:
        calls = s.scalars(
            select(CallAttempt).where(CallAttempt.delivery_id == row.id).order_by(CallAttempt.id)
        ).all()
    assert [a.outcome for a in calls] == ["congestion"] * 4
    used = [a.pbx for a in calls]
    assert all(a != b for a, b in itertools.pairwise(used)), used  # alternating
