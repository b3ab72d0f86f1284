"""A neighbour agrees to a buddy by phone (#24), over the lab trunk: Bert offers on his page
to look in on the member with Anna's number; binalert calls Anna, says that her neighbour
Bert of the Molenstraat offers it and what he would learn, and she presses 1: the link is
live, kept as agreed by phone."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from binalert.buddies import service as buddies
from binalert.members import records
from binalert.models import Bin, Member, Membership, RecordChannel, ServiceCall
from binalert.phones import parse_phone
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(60)]


def _live(store: Store, member_id: int) -> list[str]:
    with store.session() as s:
        return [link.state for link in buddies.of_member(s, member_id).links]


async def test_a_neighbour_presses_1_on_the_call_and_the_link_is_live(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    members = [
        ("Bert Peeters", SIM.NO_ANSWER.number(71), "nl"),
        ("Anna Janssens", SIM.PRESS_1.number(72), "nl"),
    ]
    with sqlite_store.session() as s:
        found = Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone="Brugge")
        s.add(found)
        s.flush()
        people = [
            Member(name=name, phone=parse_phone(number).e164, language=language)
            for name, number, language in members
        ]
        s.add_all(people)
        s.flush()
        s.add_all(Membership(bin_id=found.id, member_id=m.id) for m in people)
        bert, anna = (m.id for m in people)
        people[0].street = "Molenstraat"
    settings = lab_settings(pbx, sqlite_store, ring_timeout=10)
    async with running_dispatcher(settings, sqlite_store, speech=True):
        with sqlite_store.session() as s:
            buddies.offer(s, bert, SIM.PRESS_1.number(72))
        deadline = time.monotonic() + 40
        while await asyncio.to_thread(_live, sqlite_store, bert) != ["live"]:
            assert time.monotonic() < deadline, "Anna's 1 did not make the link live"
            await asyncio.sleep(0.3)
    with sqlite_store.session() as s:
        [call] = s.scalars(select(ServiceCall)).all()
        assert (call.purpose, call.outcome) == (buddies.CONFIRM_CALL, "pressed_1")
        assert "Bert, Molenstraat" in call.text and "Peeters" not in call.text
        agreed = [r.channel for r in records.of_member(s, anna) if r.kind == buddies.CONFIRMED]
    assert agreed == [RecordChannel.PHONE.value]
