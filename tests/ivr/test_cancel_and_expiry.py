"""Cancelling an alert and its validity window: nothing is dialled after either."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from binalert.deliveries.lifecycle import cancel_alert
from binalert.models import Alert, CallAttempt, Delivery
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import alert_status, deliveries, wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(90)]


def _attempts_of(store: Store, alert_id: int) -> list[CallAttempt]:
    with store.session() as s:
        return list(
            s.scalars(
                select(CallAttempt)
                .join(Delivery, Delivery.id == CallAttempt.delivery_id)
                .where(Delivery.alert_id == alert_id)
            )
        )


async def test_cancel_mid_alert_stops_every_pending_call(pbx: LabPbx, sqlite_store: Store) -> None:
    alert_id = seed_alert(sqlite_store, SIM.NO_ANSWER.numbers(10))
    settings = lab_settings(pbx, sqlite_store, max_channels=3, ring_timeout=6)
    async with running_dispatcher(settings, sqlite_store) as service:
        while sum(d.status == "calling" for d in deliveries(sqlite_store, alert_id)) < 3:
            await asyncio.sleep(0.1)
        with sqlite_store.session() as s:
            cancelled_now = cancel_alert(s, alert_id, datetime.now(UTC), "test")
        service.runtime.bus.publish("alerts_changed")
        cancelled_at = datetime.now(UTC)
        rows = await wait_until_final(sqlite_store, alert_id, 30)
    assert cancelled_now == 7
    assert {d.status for d in rows} == {"cancelled"}
    assert alert_status(sqlite_store, alert_id) == "cancelled"
    calls = _attempts_of(sqlite_store, alert_id)
    assert len(calls) == 3 and all(a.started_at < cancelled_at for a in calls)
    assert {a.outcome for a in calls} == {"no_answer"}  # the ringing calls ended truthfully


async def test_nothing_is_dialled_after_the_validity_window(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = seed_alert(sqlite_store, SIM.BUSY.numbers(2, start=1), valid_minutes=0.1)
    settings = lab_settings(pbx, sqlite_store, max_attempts=10, retry_delays="2")
    async with running_dispatcher(settings, sqlite_store):
        rows = await wait_until_final(sqlite_store, alert_id, 30)
    with sqlite_store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        valid_until, status = alert.valid_until, alert.status
    assert {d.status for d in rows} == {"expired"}
    assert status == "expired"
    calls = _attempts_of(sqlite_store, alert_id)
    assert calls and all(a.started_at < valid_until for a in calls)
    assert all(d.attempts < 10 for d in rows)
