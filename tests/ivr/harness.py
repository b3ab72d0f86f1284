"""What the dialer tests read back from the store: deliveries, attempts, an alert's status,
and waiting until every member of an alert is final.

The dispatcher on the lab PBX (lab_settings, running_dispatcher, LabSoundsAudio) is in
lab.harness, the one way to seed an alert in lab.seed, the simulated members in lab.sim:
the bench uses them too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from sqlalchemy import select

from binalert.models import Alert, CallAttempt, Delivery
from lab.harness import FINAL
from lab.pbx import LabPbx
from store.db import Store


def channels_left(pbxes: Iterable[LabPbx], wait: float = 15.0) -> dict[str, int]:
    """Channels still up on each Asterisk after a short wait for calls to end (hung up, so
    the next test starts clean), by instance name; empty when none leaked."""
    leaked = {}
    for pbx in pbxes:
        deadline = time.monotonic() + wait
        while pbx.active_channels() and time.monotonic() < deadline:
            time.sleep(0.2)
        if pbx.active_channels():
            leaked[pbx.instance.name] = pbx.active_channels()
            pbx.rx("channel request hangup all")
    return leaked


def deliveries(store: Store, alert_id: int) -> list[Delivery]:
    with store.session() as s:
        return list(
            s.scalars(select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id))
        )


def attempts(store: Store, delivery_id: int) -> list[CallAttempt]:
    with store.session() as s:
        return list(
            s.scalars(
                select(CallAttempt)
                .where(CallAttempt.delivery_id == delivery_id)
                .order_by(CallAttempt.id)
            )
        )


def alert_status(store: Store, alert_id: int) -> str:
    with store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        return alert.status


async def wait_until_final(store: Store, alert_id: int, timeout: float) -> list[Delivery]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await asyncio.to_thread(deliveries, store, alert_id)
        if rows and all(d.status in FINAL for d in rows):
            return rows
        if asyncio.get_running_loop().time() > deadline:
            states = {d.id: d.status for d in rows}
            raise AssertionError(f"alert {alert_id} not final after {timeout} s: {states}")
        await asyncio.sleep(0.2)
