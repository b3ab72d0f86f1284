"""Calls over the lab's phone network: binalert's PBX runs the production configuration the
project ships (docker/asterisk: modules, trunk template, entrypoint) and reaches the members
over a SIP trunk on a second Asterisk, the carrier: SIP signalling, G.711 RTP both ways,
RFC 4733 keys, the network's error responses. The members answer as people do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy.exc import OperationalError

from binalert.deliveries import lifecycle
from binalert.models import DeliveryEvent
from ivr import channelvars as cv
from lab.harness import lab_settings, running_dispatcher
from lab.network import TRUNK_NUMBER
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import SIM, SimMember
from store.db import Store
from tests.ivr.harness import attempts, channels_left, deliveries, wait_until_final

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]


@pytest.fixture(scope="module")
def network_pair() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}n") as pair:
        yield pair


@pytest.fixture
def network(network_pair: Network) -> Iterator[Network]:
    """The module's network; after each test no channel may be left on either Asterisk."""
    yield network_pair
    leaked = channels_left(network_pair)
    assert not leaked, f"channels left behind: {leaked}"


def _outcomes(store: Store, delivery_id: int) -> list[str | None]:
    return [a.outcome for a in attempts(store, delivery_id)]


@pytest.mark.timeout(200)
async def test_people_acknowledge_over_sip_however_they_answer(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    members = [
        SIM.SILENT_PRESS_1,
        SIM.SILENT_PRESS_2_THEN_1,
        SIM.LONG_GREETING_PRESS_1,
        SIM.SILENT_INVALID_KEY_THEN_1,
        SIM.BUSY_THEN_SILENT_PRESS_1,
        SIM.HELLO_TWICE_PRESS_1_LATE,
        SIM.PRESS_1,
    ]
    alert_id = seed_alert(sqlite_store, [m.number(21) for m in members])
    settings = lab_settings(pbx, sqlite_store, amd_enabled=True, digit_timeout=5)
    async with running_dispatcher(settings, sqlite_store, speech=True):
        rows = await wait_until_final(sqlite_store, alert_id, 180)
        # After a 1 and its thanks every call offers 9 once (#24): the calls end a little later.
        deadline = time.monotonic() + 30
        while any(a.ended_at is None for d in rows for a in attempts(sqlite_store, d.id)):
            assert time.monotonic() < deadline, "calls not ended after their 1"
            await asyncio.sleep(0.25)
    assert [d.status for d in rows] == ["acknowledged"] * len(members)
    outcomes = {m: _outcomes(sqlite_store, d.id) for m, d in zip(members, rows, strict=True)}
    assert outcomes.pop(SIM.BUSY_THEN_SILENT_PRESS_1) == ["busy", "answered"]
    assert set(map(tuple, outcomes.values())) == {("answered",)}  # nobody called twice
    from_header = carrier.rx(f"database get carrier_from {SIM.SILENT_PRESS_1.number(21)}")
    pai = carrier.rx(f"database get carrier_pai {SIM.SILENT_PRESS_1.number(21)}")
    for header in (from_header, pai):  # the caller ID as configured, name and number
        assert f'"BIN" <sip:{TRUNK_NUMBER}@' in header, header
    assert "anonymous" not in from_header.lower()


@pytest.mark.timeout(200)
async def test_a_machine_ends_machine_a_silent_listener_does_not_and_what_they_hear(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    members = [SIM.MACHINE, SIM.SILENT_LISTENS_ONLY]
    alert_id = seed_alert(sqlite_store, [m.number(22) for m in members])
    settings = lab_settings(
        pbx, sqlite_store, amd_enabled=True, max_attempts=1, max_plays=1, digit_timeout=3
    )
    async with running_dispatcher(settings, sqlite_store, speech=True) as service:
        rows = await wait_until_final(sqlite_store, alert_id, 180)
        speech = service.runtime.speech
    assert [d.status for d in rows] == ["unacknowledged", "unacknowledged"]
    assert [_outcomes(sqlite_store, d.id) for d in rows] == [["machine"], ["hangup_no_ack"]]
    heard = carrier.host_path(carrier.instance.recordings)
    audio = speech.call_audio("nl", "Brugge", "Lab BIN", "Test message nl")
    expected = sum(sf.info(str(p)).duration for p in (audio.intro, audio.message, audio.prompt))
    _check_what_a_member_heard(heard / f"heard-{SIM.SILENT_LISTENS_ONLY.number(22)}.wav", expected)


def _check_what_a_member_heard(path: Path, message_seconds: float) -> None:
    """Speech within a second of the answer (no dead air), telephone level (-22 dBFS RMS
    +-3 dB over the speech), no clipping, the whole introduction + message + prompt, and no
    silence over 1.5 s inside it."""
    for _ in range(50):  # MixMonitor closes its file just after the hangup
        if path.exists() and path.stat().st_size > 1000:
            break
        time.sleep(0.1)
    samples, rate = sf.read(str(path), dtype="float64")
    frame = rate // 50  # 20 ms
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12)
    speech = np.flatnonzero(level > -45)
    assert speech.size, "the member heard nothing"
    assert speech[0] / 50 <= 1.0, f"{speech[0] / 50:.2f} s of dead air after answering"
    rms = 20 * np.log10(np.sqrt(np.mean(frames[speech] ** 2)))
    assert -25 <= rms <= -19, f"speech level {rms:.1f} dBFS RMS"
    assert np.max(np.abs(samples)) < 0.99, "clipped"
    span = (speech[-1] - speech[0] + 1) / 50
    assert span >= 0.9 * message_seconds, f"heard {span:.1f} s of {message_seconds:.1f} s"
    longest_gap = np.max(np.diff(speech)) / 50 if speech.size > 1 else 0.0
    assert longest_gap <= 1.5, f"{longest_gap:.2f} s of silence inside the message"


@pytest.mark.timeout(120)
async def test_every_answer_of_the_network_is_understood(
    network: Network, sqlite_store: Store
) -> None:
    pbx, _ = network
    expected: dict[SimMember, tuple[list[str], int]] = {
        SIM.BUSY: (["busy"] * 3, 17),  # 486
        SIM.CONGESTION: (["congestion"] * 3, 34),  # 503
        SIM.NOT_IN_SERVICE: (["invalid_number"], 1),  # 183 + announcement, then 404
        SIM.refused_with(1): (["invalid_number"], 1),  # 404: final at once, no retries
        SIM.refused_with(28): (["invalid_number"], 28),  # 484
        SIM.refused_with(19): (["no_answer"] * 3, 19),  # 480
        SIM.refused_with(38): (["congestion"] * 3, 38),  # 500
    }
    alert_id = seed_alert(sqlite_store, [m.number(23) for m in expected])
    settings = lab_settings(pbx, sqlite_store, max_attempts=3, retry_delays="1")
    async with running_dispatcher(settings, sqlite_store):
        rows = await wait_until_final(sqlite_store, alert_id, 100)
    for (member, (outcomes, cause)), row in zip(expected.items(), rows, strict=True):
        calls = attempts(sqlite_store, row.id)
        assert [a.outcome for a in calls] == outcomes, member.does
        assert {a.hangup_cause for a in calls} == {cause}, member.does
        assert all(a.answered_at is None for a in calls), member.does  # early media is not
        assert row.status == "unreachable"


@pytest.mark.timeout(60)
async def test_a_trunk_that_refuses_us_makes_the_pbx_unhealthy_and_members_wait(
    network: Network, sqlite_store: Store
) -> None:
    pbx, _ = network
    alert_id = seed_alert(sqlite_store, SIM.refused_with(21).numbers(2, start=24))
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store) as service:
        dialer = service.dialer
        assert dialer is not None
        for _ in range(100):
            if not dialer.pbx_health.healthy:
                break
            await asyncio.sleep(0.1)
        health = service.health()
    assert health["healthy"] is False
    assert "refuses" in str(health["pbxes"][0]["why"])  # type: ignore[index]
    assert {d.status for d in deliveries(sqlite_store, alert_id)} == {"pending"}  # not blamed


@pytest.mark.timeout(90)
async def test_a_pbx_without_its_channel_driver_says_so_and_places_nothing(
    sqlite_store: Store,
) -> None:
    """The shipped modules.conf once lacked res_pjsip_pubsub: chan_pjsip then declines to
    load and every Originate fails. Such a PBX is unhealthy at once; nobody is blamed."""
    with temporary_network(f"test{os.getpid()}m", drop_modules=("res_pjsip_pubsub.so",)) as (
        pbx,
        _,
    ):
        alert_id = seed_alert(sqlite_store, [SIM.SILENT_PRESS_1.number(25)])
        async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store) as service:
            for _ in range(100):
                if service.health()["healthy"] is False:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            health = service.health()
    assert "no PJSIP channel type" in str(health["pbxes"][0]["why"])  # type: ignore[index]
    [row] = deliveries(sqlite_store, alert_id)
    assert row.status == "pending" and attempts(sqlite_store, row.id) == []


@pytest.mark.timeout(120)
async def test_a_press_of_1_counts_when_the_store_is_away_at_that_moment(
    network: Network, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store refuses every write for 4 s from the moment the 1 comes in (the call's end
    falls in that window too): the press is still stored, the member never called again."""
    pbx, _ = network
    outage = _StoreOutage(sqlite_store, monkeypatch, seconds=4.0)
    monkeypatch.setattr(lifecycle, "acknowledge", outage.failing_first(lifecycle.acknowledge))
    alert_id = seed_alert(sqlite_store, [SIM.SILENT_PRESS_1.number(26)])
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store):
        [row] = await wait_until_final(sqlite_store, alert_id, 90)
        for _ in range(200):  # the call's end is written too, once the store is back
            if _outcomes(sqlite_store, row.id) != [None]:
                break
            await asyncio.sleep(0.1)
    assert outage.refused >= 2  # the press and at least one more write fell in the outage
    assert row.status == "acknowledged"
    assert _outcomes(sqlite_store, row.id) == ["answered"]
    with sqlite_store.session() as s:
        kinds = [e.kind for e in s.query(DeliveryEvent).filter_by(delivery_id=row.id)]
    assert kinds.count("acknowledged") == 1
    assert "0 results found" in pbx.rx(f"database show {cv.ACK_DB_FAMILY}")


class _StoreOutage:
    """Every session the dispatcher opens fails while the outage lasts (the test still reads
    the store); it starts with the first acknowledgement written (a database restart or a
    lock at the worst moment)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
        self.until = 0.0
        self.seconds = seconds
        self.refused = 0
        real = store.session

        @contextlib.contextmanager
        def session() -> Iterator[Any]:
            dispatcher = threading.current_thread().name.startswith("binalert-db")
            if dispatcher and time.monotonic() < self.until:
                self.refused += 1
                raise OperationalError("BEGIN", {}, Exception("database is locked"))
            with real() as s:
                yield s

        monkeypatch.setattr(store, "session", session)

    def failing_first(self, acknowledge: Any) -> Any:
        def wrapped(*args: Any) -> Any:
            if self.until == 0.0:
                self.until = time.monotonic() + self.seconds
                self.refused += 1
                raise OperationalError("UPDATE", {}, Exception("database is locked"))
            return acknowledge(*args)

        return wrapped
