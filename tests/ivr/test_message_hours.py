"""A non-urgent message held until calling hours, through the real lab Asterisk, with a moved
clock (binalert.clock.travel): sent on Monday at 22:00, nobody is called at night (an urgent
alert sent at the same time is), and at 09:00 the next morning its members are called and
press 1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from binalert.alerts import messages
from binalert.alerts import service as alerts
from binalert.alerts.schemas import AlertCreate, MessageCreate
from binalert.auth.schemas import Caller, Principal
from binalert.clock import travel
from binalert.models import Bin, CallAttempt, Member, Membership, Role
from binalert.phones import parse_phone
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import attempts, deliveries, wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(120)]
NIGHT = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Monday 22:00 in Brussels
MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Brussels


def _bin(store: Store, name: str, numbers: list[tuple[str, str]]) -> int:
    with store.session() as s:
        found = Bin(name=name, municipality="Brugge", police_zone="Brugge")
        s.add(found)
        s.flush()
        for number, language in numbers:
            member = Member(name=number, phone=parse_phone(number).e164, language=language)
            s.add(member)
            s.flush()
            s.add(Membership(bin_id=found.id, member_id=member.id))
        return found.id


def _count_attempts(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(CallAttempt)) or 0)


async def test_a_message_sent_at_22_is_called_at_9_the_next_morning(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    store = sqlite_store
    settings = lab_settings(pbx, store)
    quiet = _bin(
        store, "BIN Sint-Kruis", [(SIM.PRESS_1.number(61), "nl"), (SIM.PRESS_1.number(62), "fr")]
    )
    loud = _bin(store, "BIN Assebroek", [(SIM.PRESS_1.number(63), "nl")])
    coordinator = Caller(
        Principal(None, "coordinator", Role.COORDINATOR, bin_ids=frozenset({quiet})), "test"
    )
    police = Caller(Principal(None, "dispatch", Role.POLICE, police_zone="Brugge"), "test")
    with travel(NIGHT) as clock:
        with store.session() as s:
            data = MessageCreate(
                bin_ids=[quiet], subject="Donkere avonden", template={"kind": "dark_evenings"}
            )
            message, _ = messages.send(s, coordinator, data, None, settings)
            urgent = AlertCreate(bin_ids=[loud], incident_ref="PV-1", messages={"nl": "Test"})
            alert, _ = alerts.create(s, police, urgent, None, settings)
        assert message.calls_start == "calls start Tuesday 1 December at 09:00"

        async with running_dispatcher(settings, store) as service:
            [called] = await wait_until_final(store, alert.id, 40)  # urgent: rung at 22:00
            assert called.status == "acknowledged"
            clock.move_to(NIGHT + timedelta(hours=10))  # 07:00: the dialer keeps waking
            assert service.dialer is not None
            service.dialer.wake()
            await asyncio.sleep(1.5)
            held = deliveries(store, message.id)
            assert [(d.status, d.attempts) for d in held] == [("pending", 0)] * 2
            assert _count_attempts(store) == 1 and pbx.active_channels() == 0

            clock.move_to(MORNING - timedelta(seconds=1))  # 08:59:59
            service.dialer.wake()
            rows = await wait_until_final(store, message.id, 40)
    assert [d.status for d in rows] == ["acknowledged", "acknowledged"]
    for row in rows:
        [attempt] = attempts(store, row.id)
        assert attempt.outcome == "answered" and attempt.started_at >= MORNING
