"""Who is offered press 3: urgent alerts invite members to the police zone's dispatch line;
prevention messages (non-urgent alerts) and follow-ups do not, unless the zone asks for it
(`Zone.press3_on_messages`).

Through the lab's phone network: binalert's PBX with the shipped configuration and the
carrier's simulated members over a SIP trunk. The carrier records what each member heard;
the "have you seen something? press 3" offer is looked for in it (cross-correlation with the
synthesised offer), and a 3 either puts the member through or is an invalid key.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from binalert.models import Alert, Bin, Delivery
from binalert.zones import repository as zones
from ivr import channelvars as cv
from ivr.keys import TRANSFER_PIECES
from ivr.two_way import TwoWaySounds
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import attempts, channels_left, deliveries, wait_until_final
from tests.recordings import middle, samples, similarity

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]
ZONE = "Brugge"  # seed_alert's
OFFERED = 0.6  # the offer's best correlation in a recording that has it (measured ~0.9+)
NOT_OFFERED = 0.35  # ... and in one without it (other speech, tones: well below)


@pytest.fixture(scope="module")
def network_pair() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}o") as pair:
        yield pair


@pytest.fixture
def network(network_pair: Network) -> Iterator[Network]:
    yield network_pair
    leaked = channels_left(network_pair)
    assert not leaked, f"channels left behind: {leaked}"


def _zone(store: Store, line: str, press3_on_messages: bool) -> None:
    with store.session() as s:
        zone = zones.get_or_create(s, ZONE)
        zone.dispatch_number = line
        zone.press3_on_messages = press3_on_messages


def _message(store: Store, number: str) -> int:
    """A non-urgent message to one member, its BIN open for calls at any hour."""
    alert_id = seed_alert(store, [number], urgent=False)
    with store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        [bin_id] = alert.bin_ids
        s.execute(
            update(Bin)
            .where(Bin.id == bin_id)
            .values(
                calling_start="00:00",
                calling_end="23:59",
                call_on_sundays=True,
                call_on_holidays=True,
            )
        )
        s.execute(update(Delivery).where(Delivery.alert_id == alert_id).values(bin_id=bin_id))
    return alert_id


def _follow_up(store: Store, number: str) -> int:
    """A follow-up (sent at once, as an urgent one) on an earlier alert, to one member."""
    parent = seed_alert(store, [])
    alert_id = seed_alert(store, [number])
    with store.session() as s:
        s.execute(update(Alert).where(Alert.id == alert_id).values(parent_id=parent))
    return alert_id


def _offer_heard(carrier: LabPbx, number: str, offer: Path) -> float:
    path = carrier.host_path(carrier.instance.recordings) / f"heard-{number}.wav"
    for _ in range(50):  # MixMonitor closes its file just after the hangup
        if path.exists() and path.stat().st_size > 1000:
            break
        time.sleep(0.1)
    return similarity(samples(path), middle(samples(offer), 8000, 1.5))


async def _run(store: Store, pbx: LabPbx, alert_ids: list[int]) -> Path:
    """Call every member of these alerts until final and their calls over; the offer's
    sound as the dispatcher synthesised it."""
    settings = lab_settings(pbx, store, digit_timeout=5)
    async with running_dispatcher(settings, store) as service:
        sounds = TwoWaySounds(settings, service.runtime.speech, settings.pbxes[0])
        for alert_id in alert_ids:
            [row] = await wait_until_final(store, alert_id, 120)
            deadline = time.monotonic() + 60
            while any(a.ended_at is None for a in await asyncio.to_thread(attempts, store, row.id)):
                assert time.monotonic() < deadline, f"alert {alert_id}: the call did not end"
                await asyncio.sleep(0.25)
        return await sounds.sound(TRANSFER_PIECES[cv.TRANSFER_OFFER_AUDIO], "nl")


@pytest.mark.timeout(240)
async def test_messages_and_follow_ups_do_not_offer_3_and_urgent_alerts_do(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    _zone(sqlite_store, SIM.DISPATCH_LINE.e164(50), press3_on_messages=False)
    members = {
        "message": SIM.PRESS_3_THEN_1.number(50),
        "follow-up": SIM.PRESS_3_THEN_1.number(51),
        "urgent": SIM.PRESS_3.number(52),
    }
    alerts = {
        "message": _message(sqlite_store, members["message"]),
        "follow-up": _follow_up(sqlite_store, members["follow-up"]),
        "urgent": seed_alert(sqlite_store, [members["urgent"]]),
    }
    offer = await _run(sqlite_store, pbx, list(alerts.values()))
    for kind in ("message", "follow-up"):
        [row] = deliveries(sqlite_store, alerts[kind])
        # The 3 was an invalid key; the 1 after it acknowledged, nobody was put through.
        assert (row.status, row.digit, row.transferred_at) == ("acknowledged", "1", None), kind
        assert [a.outcome for a in attempts(sqlite_store, row.id)] == ["answered"], kind
        heard = _offer_heard(carrier, members[kind], offer)
        assert heard < NOT_OFFERED, f"{kind}: the offer of 3 heard ({heard:.2f})"
    [row] = deliveries(sqlite_store, alerts["urgent"])
    assert row.last_outcome == "transferred" and row.digit == "3"
    heard = _offer_heard(carrier, members["urgent"], offer)
    assert heard > OFFERED, f"urgent alert: the offer of 3 not heard ({heard:.2f})"


@pytest.mark.timeout(180)
async def test_a_zone_that_asks_for_it_offers_3_on_its_messages(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    _zone(sqlite_store, SIM.DISPATCH_LINE.e164(53), press3_on_messages=True)
    member = SIM.PRESS_3.number(53)
    alert_id = _message(sqlite_store, member)
    offer = await _run(sqlite_store, pbx, [alert_id])
    [row] = deliveries(sqlite_store, alert_id)
    assert row.last_outcome == "transferred" and row.transferred_at is not None
    heard = _offer_heard(carrier, member, offer)
    assert heard > OFFERED, f"the offer of 3 not heard ({heard:.2f})"
