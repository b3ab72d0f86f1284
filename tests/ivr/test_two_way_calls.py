"""Two-way calls (#14) through the real Asterisk, over the lab's phone network: binalert's PBX
runs the shipped docker/asterisk configuration and the carrier holds the simulated people.

- a member presses 3 and is put through to the zone's (simulated) dispatch line;
- a member who missed the call rings the BIN number back and presses 1: not trusted (a
  caller ID), they are called straight back and acknowledge on that call;
- anyone else is told, in four languages, that this number only sends BIN alerts (101, 112);
- where the zone has no dispatch line, 3 is just an invalid key (Local channels, quick).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select, update

from binalert.deliveries import lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.models import CallOutcome, Delivery, DeliveryEvent
from binalert.zones import repository as zones
from ivr import channelvars as cv
from ivr import wire
from lab.harness import lab_settings, running_dispatcher
from lab.network import TRUNK_NUMBER
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import CALLERS, SIM
from store.db import Store
from tests.ivr.harness import attempts, channels_left, deliveries, wait_until_final
from tts.phrases import UNKNOWN_LANGUAGES, phrase

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]


@pytest.fixture(scope="module")
def network_pair() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}w") as pair:
        yield pair


@pytest.fixture
def network(network_pair: Network) -> Iterator[Network]:
    """The module's network; after each test no channel may be left on either Asterisk."""
    yield network_pair
    leaked = channels_left(network_pair)
    assert not leaked, f"channels left behind: {leaked}"


def _set_dispatch_line(store: Store, number: str | None) -> None:
    with store.session() as s:
        zones.get_or_create(s, "Brugge").dispatch_number = number  # seed_alert's zone


def _kinds(store: Store, delivery_id: int) -> list[str]:
    with store.session() as s:
        query = select(DeliveryEvent.kind).where(DeliveryEvent.delivery_id == delivery_id)
        return list(s.scalars(query.order_by(DeliveryEvent.id)))


async def _until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.25)


@pytest.mark.timeout(150)
async def test_press_3_puts_the_member_through_to_the_dispatch_line(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    member, line = SIM.PRESS_3.number(31), SIM.DISPATCH_LINE.number(31)
    alert_id = seed_alert(sqlite_store, [member])
    _set_dispatch_line(sqlite_store, SIM.DISPATCH_LINE.e164(31))
    settings = lab_settings(pbx, sqlite_store, digit_timeout=5)
    async with running_dispatcher(settings, sqlite_store):
        [row] = await wait_until_final(sqlite_store, alert_id, 90)
        await _until(
            lambda: attempts(sqlite_store, row.id)[0].ended_at is not None, 60, "the call's end"
        )
    [row] = deliveries(sqlite_store, alert_id)
    assert row.status == "acknowledged" and row.last_outcome == "transferred"
    assert row.transferred_at is not None and row.digit == "3"
    [call] = attempts(sqlite_store, row.id)
    assert call.outcome == "transferred" and call.digit == "3"
    # The member talked to the police (15 s) after being put through: the call lasted.
    assert call.ended_at is not None and (call.ended_at - row.transferred_at).total_seconds() > 10
    assert _kinds(sqlite_store, row.id).count("transferred") == 1
    # The dispatch line was reached, and it saw the BIN's own number (never a spoofed one).
    reached = carrier.rx(f"database get sim_dispatch {line}")
    assert TRUNK_NUMBER in reached, reached
    assert "0 results found" in pbx.rx(f"database show {cv.TRANSFER_DB_FAMILY}")


@pytest.mark.timeout(180)
async def test_a_member_who_rings_back_is_called_straight_back_and_acknowledges_there(
    network: Network, sqlite_store: Store
) -> None:
    """The member's line was busy; they ring the BIN number back and press 1. A caller ID
    proves nothing, so that 1 stops nothing: binalert calls them straight back (not after
    the 10 minutes' retry), and the 1 on that call acknowledges. The zone has a dispatch
    line, but nobody is put through to the police on a caller ID: no press 3 on the call
    back (the one on binalert's own call is offered), and its thanks say a call follows."""
    pbx, carrier = network
    member = SIM.BUSY_THEN_PRESS_1.number(32)
    alert_id = seed_alert(sqlite_store, [member], languages=("fr",))
    _set_dispatch_line(sqlite_store, SIM.DISPATCH_LINE.e164(32))
    settings = lab_settings(pbx, sqlite_store, ring_timeout=5, retry_delays="600")
    async with running_dispatcher(settings, sqlite_store) as service:
        await _until(
            lambda: deliveries(sqlite_store, alert_id)[0].status == "waiting_retry",
            40,
            "the busy call",
        )
        carrier.rx(CALLERS.PRESS_1.command(member))
        await _until(
            lambda: f"{cv.CALLBACK_AUDIO}=" in _variables_of_call_back(pbx), 30, "its variables"
        )
        variables = _variables_of_call_back(pbx)
        assert f"{cv.TRANSFER_DIAL}=" not in variables
        # After its 1 the member hears that we call back to confirm, not "the police know".
        thanks = await service.call_backs[0].sounds.piece("callback_thanks", "fr")
        assert f"{cv.THANKS_AUDIO}={thanks}" in variables
        await _until(
            lambda: deliveries(sqlite_store, alert_id)[0].heard_on_call_back_at is not None,
            60,
            "the 1 on the call back",
        )
        [row] = deliveries(sqlite_store, alert_id)
        assert row.status == "waiting_retry" and row.last_outcome == "callback_unverified"
        [row] = await wait_until_final(sqlite_store, alert_id, 90)
        await _until(
            lambda: all(a.ended_at is not None for a in attempts(sqlite_store, row.id)),
            40,
            "the calls' end",
        )
        answered = dict(service.call_backs[0].answered)
    assert row.status == "acknowledged" and row.digit == "1"
    busy, inbound, again = attempts(sqlite_store, row.id)
    assert (busy.direction, busy.outcome) == ("outbound", "busy")
    assert (inbound.direction, inbound.outcome, inbound.digit) == ("inbound", "answered", "1")
    assert (again.direction, again.outcome, again.digit) == ("outbound", "answered", "1")
    assert inbound.ended_at is not None
    waited = (again.started_at - inbound.ended_at).total_seconds()
    assert waited < 30, f"called back {waited:.0f} s after the call back, not straight away"
    assert answered["alert"] == 1
    kinds = _kinds(sqlite_store, row.id)
    assert kinds.count("heard_on_call_back") == 1 and kinds.count("acknowledged") == 1
    assert kinds.index("heard_on_call_back") < kinds.index("acknowledged")
    assert "0 results found" in pbx.rx(f"database show {cv.ACK_DB_FAMILY}")
    heard = _speech(carrier.host_path(carrier.instance.recordings) / f"callback-heard-{member}.wav")
    assert heard[0] <= 1.5, f"{heard[0]:.1f} s of ringing silence after the answer"


def _variables_of_call_back(pbx: LabPbx) -> str:
    """`core show channel` (its variables too) of the call back up on binalert's PBX."""
    for line in pbx.rx("core show channels concise").splitlines():
        name, _, rest = line.partition("!")
        if name.startswith("PJSIP/") and "!binalert-" in f"!{rest}":
            return pbx.rx(f"core show channel {name}")
    return ""


@pytest.mark.timeout(120)
async def test_an_unknown_caller_is_told_to_call_101(network: Network, sqlite_store: Store) -> None:
    pbx, carrier = network
    stranger = SIM.LISTENS_ONLY.number(33)  # no member has this number
    settings = lab_settings(pbx, sqlite_store)
    async with running_dispatcher(settings, sqlite_store) as service:
        await _until(lambda: all(d.ready for d in service.dialers), 10, "the dispatcher ready")
        carrier.rx(CALLERS.LISTENS.command(stranger))
        await _until(lambda: carrier.active_channels() > 0, 10, "the stranger's call")
        await _until(lambda: carrier.active_channels() == 0, 60, "the stranger's call's end")
        answered = dict(service.call_backs[0].answered)
        speech = service.runtime.speech
    assert answered["unknown"] == 1
    start, span = _speech(
        carrier.host_path(carrier.instance.recordings) / f"callback-heard-{stranger}.wav"
    )
    assert start <= 1.5, f"{start:.1f} s before binalert spoke"  # binalert, not the timeout
    said = [speech.synthesize(phrase("unknown", lang), lang) for lang in UNKNOWN_LANGUAGES]
    expected = sum(p.duration_s for p in said)
    assert span >= 0.9 * expected, f"heard {span:.1f} s of the {expected:.1f} s message"


@pytest.mark.timeout(120)
async def test_without_binalert_a_caller_still_hears_what_this_number_is(
    network: Network, sqlite_store: Store
) -> None:
    """binalert away (its dispatcher stopped after giving the PBX the message once): the
    dialplan rings for 4 s, then plays the message itself; the caller never waits in silence."""
    pbx, carrier = network
    stranger = SIM.LISTENS_ONLY.number(36)
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store):
        await _until(lambda: cv.UNKNOWN_AUDIO in pbx.rx("dialplan show globals"), 20, "the global")
    started = time.monotonic()
    carrier.rx(CALLERS.HANGS_UP_AFTER_10S.command(stranger))
    await _until(lambda: "!Ring!" in pbx.rx("core show channels concise"), 10, "the call")
    await _until(lambda: "!Up!" in pbx.rx("core show channels concise"), 10, "the answer")
    answered_after = time.monotonic() - started
    await _until(lambda: carrier.active_channels() == 0, 30, "the stranger's call's end")
    assert 3.5 <= answered_after <= 7, f"answered after {answered_after:.1f} s"  # rang 4 s
    start, span = _speech(
        carrier.host_path(carrier.instance.recordings) / f"callback-heard-{stranger}.wav"
    )
    assert start <= 1.5 and span >= 8, (start, span)  # speaking at once, without a pause


@pytest.mark.timeout(90)
async def test_two_dispatchers_on_one_pbx_answer_each_call_back_once(
    network: Network, sqlite_store: Store
) -> None:
    """Every dispatcher on the PBX sees a call back's event; one of them answers it."""
    pbx, carrier = network
    members = [SIM.NO_ANSWER.number(38), SIM.NO_ANSWER.number(39)]
    alert_id = seed_alert(sqlite_store, members)
    with sqlite_store.session() as s:  # nobody is dialled out: they acknowledged already
        s.execute(
            update(Delivery).where(Delivery.alert_id == alert_id).values(status="acknowledged")
        )
    first = lab_settings(pbx, sqlite_store, worker_id="first")
    second = lab_settings(pbx, sqlite_store, worker_id="second")
    async with (
        running_dispatcher(first, sqlite_store) as one,
        running_dispatcher(second, sqlite_store) as two,
    ):
        dialers = [d for service in (one, two) for d in service.dialers]
        await _until(lambda: all(d.ready for d in dialers), 10, "both dispatchers ready")
        for number in (*members, SIM.NO_ANSWER.number(40)):
            carrier.rx(CALLERS.LISTENS.command(number))
            await _until(lambda: "!Up!" in pbx.rx("core show channels concise"), 10, "answer")
            await asyncio.sleep(0.5)  # a second Redirect would come now
            carrier.rx("channel request hangup all")
            await _until(lambda: pbx.active_channels() == 0, 10, "the end of the call")
        answered = [dict(d.answered) for d in (*one.call_backs, *two.call_backs)]
    total = {kind: sum(a[kind] for a in answered) for kind in answered[0]}
    assert total == {"alert": 2, "no_alert": 0, "unknown": 1, "taken": 0}, answered
    calls = [
        a for row in deliveries(sqlite_store, alert_id) for a in attempts(sqlite_store, row.id)
    ]
    assert [(a.direction, a.outcome) for a in calls] == [("inbound", "hangup_no_ack")] * 2


def _speech(path: Path) -> tuple[float, float]:
    """(seconds until speech starts, seconds from its start to its end) in a recording."""
    for _ in range(50):  # MixMonitor closes its file just after the hangup
        if path.exists() and path.stat().st_size > 1000:
            break
        time.sleep(0.1)
    samples, rate = sf.read(str(path), dtype="float64")
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12)
    speech = np.flatnonzero(level > -45)
    assert speech.size, "the caller heard nothing"
    return speech[0] / 50, (speech[-1] - speech[0] + 1) / 50


@pytest.mark.timeout(90)
async def test_without_a_dispatch_line_3_is_an_invalid_key(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_3_THEN_1.number(35)])
    settings = lab_settings(pbx, sqlite_store)
    async with running_dispatcher(settings, sqlite_store):
        [row] = await wait_until_final(sqlite_store, alert_id, 60)
    assert row.status == "acknowledged" and row.digit == "1" and row.transferred_at is None
    assert [a.outcome for a in attempts(sqlite_store, row.id)] == ["answered"]
    assert "transferred" not in _kinds(sqlite_store, row.id)


@pytest.mark.timeout(60)
async def test_a_3_in_astdb_is_stored_after_a_dispatcher_outage(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """The dialplan wrote the 3 to AstDB, but the dispatcher that placed the call died before
    storing it (its call was closed as unanswered): the next dispatcher stores it from AstDB."""
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_3.number(37)])
    options = lifecycle.ClaimOptions("gone-worker", "pbx1", wire.call_id, 300)
    with sqlite_store.session() as s:
        [call] = lifecycle.claim_due(s, datetime.now(UTC), 10, options)
        lifecycle.finish_call(
            s, call.channel_id, CallOutcome.HANGUP_NO_ACK, datetime.now(UTC), RetryPolicy(3, (600,))
        )
    pbx.rx(f"database put {cv.TRANSFER_DB_FAMILY} {call.channel_id} 1796045058")
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store):
        await _until(
            lambda: deliveries(sqlite_store, alert_id)[0].transferred_at is not None,
            30,
            "the transfer from AstDB",
        )
        await _until(
            lambda: "0 results" in pbx.rx(f"database show {cv.TRANSFER_DB_FAMILY}"),
            10,
            "AstDB emptied",
        )
    [row] = deliveries(sqlite_store, alert_id)
    assert row.status == "acknowledged" and row.last_outcome == "transferred"
    assert _kinds(sqlite_store, row.id).count("transferred") == 1
