"""Staying in charge by phone (#24), through the real Asterisk over the lab's phone network
(keys as RFC 4733 events through the carrier):

- at the end of a call, 9 and 9 again stops the member: the next alert does not call them;
  a single 9 followed by another key keeps them (and their 1 still confirms);
- calling the BIN number from their own number (asserted by the network), a member chooses
  English; binalert calls them back, they press 1, and the next alert calls them in English;
- the same kind of request from a number the network does not assert (anyone can write it)
  changes nothing on its own: the confirmation call is not answered, the member stays.

One test, the four people at once: each call is slow (spoken for elderly listeners), so
they share the wall time. The store side of each step is in tests/test_by_phone_store.py.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from binalert.alerts.schedule import schedule
from binalert.deliveries import lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.members import by_phone
from binalert.models import (
    Alert,
    Bin,
    CallOutcome,
    DeliveryEvent,
    Member,
    MemberRecord,
    Membership,
    ServiceCall,
)
from binalert.phones import parse_phone
from ivr import channelvars as cv
from ivr import wire
from lab.harness import LabSoundsAudio, lab_settings, running_dispatcher
from lab.network import UNASSERTED_CALL_BACK_CONTEXT
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import CALLERS, SIM
from store.announce import ALERTS_CHANGED, announce
from store.db import Store
from tests.ivr.harness import channels_left, deliveries, wait_until_final

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]


@pytest.fixture(scope="module")
def network_pair() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}p") as pair:
        yield pair


@pytest.fixture
def network(network_pair: Network) -> Iterator[Network]:
    yield network_pair
    leaked = channels_left(network_pair)
    assert not leaked, f"channels left behind: {leaked}"


class LanguagesHeard(LabSoundsAudio):
    """The lab's short prompts, noting the language each alert call was made in."""

    def __init__(self) -> None:
        super().__init__(stop=True)
        self.asked: list[tuple[int, str]] = []

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        self.asked.append((alert_id, language))
        return await super().variables(alert_id, language)


async def _until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.25)


def _member(store: Store, member_id: int) -> Member:
    with store.session() as s:
        member = s.get(Member, member_id)
        assert member is not None
        s.expunge(member)
        return member


def _member_of(store: Store, national: str) -> Member:
    with store.session() as s:
        e164 = parse_phone(national).e164
        member = s.scalars(select(Member).where(Member.phone == e164)).one()
        s.expunge(member)
        return member


def _records(store: Store, member_id: int) -> list[tuple[str, str, dict[str, object]]]:
    with store.session() as s:
        query = select(MemberRecord).where(MemberRecord.member_id == member_id)
        return [(r.kind, r.channel, dict(r.detail)) for r in s.scalars(query.order_by("id"))]


def _service_calls(store: Store, national: str) -> list[ServiceCall]:
    with store.session() as s:
        query = select(ServiceCall).where(ServiceCall.phone == parse_phone(national).e164)
        found = list(s.scalars(query.order_by(ServiceCall.id)))
        s.expunge_all()
        return found


def _bin_of_members(store: Store, numbers: list[str]) -> int:
    """A BIN of members speaking Dutch, with no alert yet."""
    with store.session() as s:
        bin_ = Bin(name="Lab BIN", municipality="Brugge", police_zone="Brugge")
        s.add(bin_)
        s.flush()
        rows = [
            {"name": f"Member {i}", "phone": parse_phone(n).e164, "language": "nl"}
            for i, n in enumerate(numbers)
        ]
        ids = s.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), rows)
        s.execute(insert(Membership), [{"bin_id": bin_.id, "member_id": i} for i in ids.all()])
        return bin_.id


def _next_alert(store: Store, bin_id: int) -> int:
    """The BIN's next alert, in Dutch and English, to its active members (as the police's
    POST leaves it: binalert.alerts.schedule)."""
    now = datetime.now(UTC)
    with store.session() as s:
        alert = Alert(
            created_by="lab",
            incident_ref="PV-LAB-2",
            bin_ids=[bin_id],
            messages={"nl": "Tweede bericht", "en": "Second message"},
            urgent=True,
            valid_from=now,
            valid_until=now + timedelta(minutes=30),
        )
        s.add(alert)
        s.flush()
        schedule(s, alert, now, timedelta(minutes=30))
        announce(s, ALERTS_CHANGED)
        return alert.id


@pytest.mark.timeout(200)
async def test_members_stop_by_pressing_9_twice_and_change_language_by_calling_in(
    network: Network, sqlite_store: Store
) -> None:
    """Four simulated people at once, over the lab trunk. On an alert's call, one presses 9
    and 9 again: stopped, not called by the next alert; one presses 9, then another key, then
    1: kept, acknowledged. Meanwhile a member of another BIN, whose number the network
    asserts, calls the BIN number and chooses English: binalert hangs up, calls them back in
    English, they press 1, and the next alert calls them in English. And a call showing a
    member's number that the network does not assert asks to stop: binalert calls that number
    back, nobody answers there (the member never asked), and nothing changes."""
    pbx, carrier = network
    stops, stays = SIM.PRESS_9_TWICE.number(61), SIM.PRESS_9_THEN_1.number(61)
    english, claimed = SIM.PRESS_1.number(62), SIM.NO_ANSWER.number(62)
    first_alert = seed_alert(sqlite_store, [stops, stays])
    callers_bin = _bin_of_members(sqlite_store, [english, claimed])
    audio = LanguagesHeard()
    settings = lab_settings(pbx, sqlite_store, ring_timeout=5, retry_delays="600")
    async with running_dispatcher(settings, sqlite_store, audio=audio) as service:
        await service.call_backs[0].warm_call_in()  # as after every login (callers ring less)
        carrier.rx(CALLERS.CHOOSE_ENGLISH.command(english))
        carrier.rx(CALLERS.STOP.command(claimed, via=UNASSERTED_CALL_BACK_CONTEXT))
        stopped, kept = await wait_until_final(sqlite_store, first_alert, 90)
        member = _member_of(sqlite_store, english)
        await _until(
            lambda: _member(sqlite_store, member.id).language == "en", 90, "English, confirmed"
        )
        await _until(
            lambda: [c.outcome for c in _service_calls(sqlite_store, claimed)] == ["no_answer"],
            60,
            "the unanswered confirmation call",
        )
        next_alert = _next_alert(sqlite_store, callers_bin)
        await _until(
            lambda: (
                [d.status for d in deliveries(sqlite_store, next_alert)]
                == ["acknowledged", "waiting_retry"]
            ),
            60,
            "the next alert's calls",
        )
        answered = dict(service.call_backs[0].answered)
        menus = service.call_backs[0].menus
        requested = dict(service.call_backs[0].requests.requested)

    # 9 and 9 again: no more calls, kept as a member (inactive), the coordinator sees how.
    assert stopped.status == "cancelled" and stopped.acknowledged_at is None
    assert stopped.digit is None and stopped.reached  # heard, but a 9 is not a 1
    assert stopped.last_outcome == "stopped_by_member"  # so the police's pages say
    assert stopped.member_id is not None and kept.member_id is not None
    assert _member(sqlite_store, stopped.member_id).active is False
    assert [(k, c) for k, c, _ in _records(sqlite_store, stopped.member_id)] == [
        ("stopped", "phone")
    ]
    with sqlite_store.session() as s:
        query = select(DeliveryEvent.kind).where(DeliveryEvent.delivery_id == stopped.id)
        assert "stopped_by_member" in list(s.scalars(query))
    # One 9 then another key: went back, pressed 1, confirmed, still a member.
    assert kept.status == "acknowledged" and kept.digit == "1"
    assert _member(sqlite_store, kept.member_id).active is True
    assert _records(sqlite_store, kept.member_id) == []
    assert "0 results found" in pbx.rx(f"database show {cv.STOP_DB_FAMILY}")
    # The next alert of their BIN calls only the one who stayed.
    with sqlite_store.session() as s:
        bin_id = s.get(Alert, first_alert).bin_ids[0]  # type: ignore[union-attr]
    [again] = deliveries(sqlite_store, _next_alert(sqlite_store, bin_id))
    assert again.member_id == kept.member_id

    assert answered["no_alert"] == 1 and menus == 1, answered
    assert requested == {by_phone.STOP: 1, by_phone.LANGUAGE: 1}
    # English: asked on the call in (a claim), done only on binalert's call back, in English.
    [confirm] = _service_calls(sqlite_store, english)
    assert (confirm.purpose, confirm.language, confirm.outcome) == (
        by_phone.LANGUAGE_PURPOSE,
        "en",
        "pressed_1",
    )
    kinds = [(k, c, d.get("asserted")) for k, c, d in _records(sqlite_store, member.id)]
    assert kinds == [("language_requested", "phone", True), ("language_changed", "phone", None)]
    # The next alert: in English for them, its call's audio asked for in English.
    rows = {d.member_id: d for d in deliveries(sqlite_store, next_alert)}
    assert rows[member.id].language == "en" and rows[member.id].status == "acknowledged"
    assert (next_alert, "en") in audio.asked
    # The claim alone: recorded as asked (not asserted), nothing changed, still called.
    other = _member_of(sqlite_store, claimed)
    assert other.active is True and other.language == "nl"
    assert [(k, d.get("asserted")) for k, _, d in _records(sqlite_store, other.id)] == [
        ("stop_requested", False)
    ]
    assert rows[other.id].status == "waiting_retry"  # called, not answered: called again later


@pytest.mark.timeout(60)
async def test_a_9_in_astdb_is_stored_after_a_dispatcher_outage(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """The dialplan wrote the second 9 to AstDB, but the dispatcher that placed the call died
    before storing it (its call was closed as unanswered): the next one stops the member."""
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_9_TWICE.number(63)])
    options = lifecycle.ClaimOptions("gone-worker", "pbx1", wire.call_id, 300)
    with sqlite_store.session() as s:
        [call] = lifecycle.claim_due(s, datetime.now(UTC), 10, options)
        lifecycle.finish_call(
            s, call.channel_id, CallOutcome.HANGUP_NO_ACK, datetime.now(UTC), RetryPolicy(3, (600,))
        )
    pbx.rx(f"database put {cv.STOP_DB_FAMILY} {call.channel_id} 1796045058")
    member = _member_of(sqlite_store, SIM.PRESS_9_TWICE.number(63))
    settings = lab_settings(pbx, sqlite_store, retry_delays="600")
    async with running_dispatcher(settings, sqlite_store):
        await _until(lambda: not _member(sqlite_store, member.id).active, 30, "the stop")
        await _until(
            lambda: "0 results" in pbx.rx(f"database show {cv.STOP_DB_FAMILY}"), 10, "forgotten"
        )
    [row] = deliveries(sqlite_store, alert_id)
    assert row.status == "cancelled" and row.acknowledged_at is None
    assert [(k, c) for k, c, _ in _records(sqlite_store, member.id)] == [("stopped", "phone")]
