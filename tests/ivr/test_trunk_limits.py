"""The trunk is never taken over from outside (#20), through the lab carrier over SIP:

- calls on the BIN number beyond the PBX's inbound cap are answered busy, and the calls
  coming in count against the PBX's channels, so an alert started during a flood gets every
  channel the callers leave it, and never more than the PBX has;
- members put through to one dispatch line at once are capped: the next one hears that the
  line is busy (and to call 101), and their 3 counts as an acknowledgement."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from binalert.zones import repository as zones
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import CALLERS, SIM
from store.announce import ALERTS_CHANGED
from store.db import Store
from tests.ivr.harness import attempts, channels_left, deliveries, wait_until_final
from tts.phrases import phrase

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]
MAX_CHANNELS = 10
INBOUND_CAP = 3
FLOOD = INBOUND_CAP + 5


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}f") as pair:
        yield pair
        leaked = channels_left(pair, wait=60)
        assert not leaked, f"channels left behind: {leaked}"


class TrunkSampler(threading.Thread):
    """Samples binalert's PBX's SIP channels (one per call on the trunk) every ~0.2 s:
    the calls it placed (our fixed-width ids, ba...) and the calls coming in."""

    def __init__(self, pbx: LabPbx) -> None:
        super().__init__(daemon=True)
        self.pbx = pbx
        self.samples: list[tuple[int, int]] = []  # (outbound, inbound)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            outbound = inbound = 0
            for line in self.pbx.rx("core show channels concise").splitlines():
                fields = line.split("!")
                if len(fields) < 14 or not fields[0].startswith("PJSIP/"):
                    continue
                if fields[13].startswith("ba"):
                    outbound += 1
                else:
                    inbound += 1
            self.samples.append((outbound, inbound))
            time.sleep(0.2)


async def _until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.2)


def _answers(carrier: LabPbx) -> dict[str, str]:
    """How binalert's PBX answered each caller (the carrier's DIALSTATUS and cause)."""
    found = {}
    for line in carrier.rx("database show call_back").splitlines():
        if line.startswith("/call_back/") and ":" in line:
            key, value = line.split(":", 1)
            found[key.rsplit("/", 1)[1].strip()] = value.strip()
    return found


@pytest.mark.timeout(240)
async def test_a_flood_of_calls_is_answered_busy_and_the_alert_keeps_its_channels(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    strangers = SIM.LISTENS_ONLY.numbers(FLOOD, start=60)  # no member has these numbers
    members = SIM.hangs_up_after(20).numbers(12, start=60)
    settings = lab_settings(
        pbx,
        sqlite_store,
        max_channels=MAX_CHANNELS,
        max_inbound=INBOUND_CAP,
        max_attempts=1,
        call_deadline=60,
    )
    sampler = TrunkSampler(pbx)
    async with running_dispatcher(settings, sqlite_store) as service:
        await _until(lambda: all(d.ready for d in service.dialers), 10, "the dispatcher ready")
        sampler.start()
        for number in strangers:  # as fast as the carrier's CLI goes
            carrier.rx(CALLERS.LISTENS.command(number))
        await _until(lambda: len(_answers(carrier)) >= FLOOD - INBOUND_CAP, 15, "busy answers")
        refused_at = time.monotonic()
        # Mid-flood, the police send an alert.
        alert_id = seed_alert(sqlite_store, members)
        service.runtime.bus.publish(ALERTS_CHANGED)
        await wait_until_final(sqlite_store, alert_id, 150)
        sampler.stopping.set()
        sampler.join(5)
        dialer = service.dialers[0]
    answers = _answers(carrier)
    busy = [n for n in strangers if answers.get(n, "").startswith("BUSY")]
    assert len(busy) == FLOOD - INBOUND_CAP, answers
    assert all(answers[n] == "BUSY 17" for n in busy), answers  # SIP 486 Busy Here
    assert time.monotonic() - refused_at < 150
    peak_inbound = max(inbound for _, inbound in sampler.samples)
    assert peak_inbound == INBOUND_CAP, sampler.samples
    # Never more calls on the trunk than the PBX has channels ...
    assert max(out + inbound for out, inbound in sampler.samples) <= MAX_CHANNELS
    # ... and the alert got every channel the callers left it while they were on.
    held = [out for out, inbound in sampler.samples if inbound == INBOUND_CAP]
    assert max(held) == MAX_CHANNELS - INBOUND_CAP, sampler.samples
    assert dialer.originates_sent == len(members)  # none refused, none placed twice


class DispatchSampler(TrunkSampler):
    """Samples the carrier: calls up on a dispatch line (binalert-sim-members, its number)."""

    def __init__(self, carrier: LabPbx, line: str) -> None:
        super().__init__(carrier)
        self.line = line

    def run(self) -> None:
        while not self.stopping.is_set():
            up = sum(
                f"!binalert-sim-members!{self.line}!" in line
                for line in self.pbx.rx("core show channels concise").splitlines()
            )
            self.samples.append((up, 0))
            time.sleep(0.2)


@pytest.mark.timeout(180)
async def test_members_beyond_the_cap_of_a_dispatch_line_hear_it_is_busy(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    members = SIM.PRESS_3.numbers(3, start=61)  # all press 3 at about the same moment
    line = SIM.DISPATCH_LINE.number(61)
    alert_id = seed_alert(sqlite_store, members)
    with sqlite_store.session() as s:
        zones.get_or_create(s, "Brugge").dispatch_number = SIM.DISPATCH_LINE.e164(61)
    settings = lab_settings(pbx, sqlite_store, max_transfers=2, digit_timeout=5)
    sampler = DispatchSampler(carrier, line)
    sampler.start()
    try:
        async with running_dispatcher(settings, sqlite_store) as service:
            speech = service.runtime.speech
            dialer = service.dialer
            assert dialer is not None
            held: list[int] = []  # the dispatch-line legs the dialer counts as trunk lines

            async def count_transfer_lines() -> None:
                while True:
                    held.append(await dialer.transfer_lines())
                    await asyncio.sleep(0.2)

            counting = asyncio.create_task(count_transfer_lines())
            try:
                rows = await wait_until_final(sqlite_store, alert_id, 120)
                await _until(
                    lambda: all(a.ended_at for r in rows for a in attempts(sqlite_store, r.id)),
                    60,
                    "the calls' end",
                )
            finally:
                counting.cancel()
    finally:
        sampler.stopping.set()
        sampler.join(5)
    rows = deliveries(sqlite_store, alert_id)
    assert all(r.status == "acknowledged" for r in rows)  # each heard the message and pressed
    put_through = [r for r in rows if r.transferred_at is not None]
    assert len(put_through) == 2, [(r.last_outcome, r.transferred_at) for r in rows]
    [refused] = [r for r in rows if r.transferred_at is None]
    assert refused.last_outcome == "answered"
    assert max(up for up, _ in sampler.samples) == 2  # never more on the line at once
    # Each member put through holds a second line of the trunk: the dialer counts both.
    assert max(held) == 2, held
    # The third heard "the police line is busy, call 101" after their 3, and nothing more.
    member = members[rows.index(refused)]
    heard = carrier.host_path(carrier.instance.recordings) / f"heard-{member}.wav"
    busy = speech.synthesize(phrase("transfer_busy", "nl"), "nl")
    said = _loud(Path(busy))
    after = _loud(heard)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(after) > 15) + 1))  # 0.3 s pauses
    assert len(starts) > 2, "nothing said after the message and the offer"
    after = after[starts[2] :]  # the lab's message, then the press-3 offer, then this
    assert after.size >= 0.85 * said.size, (after.size, said.size)
    assert (after[-1] - after[0]) / 50 <= busy.duration_s + 2


def _loud(path: Path) -> np.ndarray:
    """The 20 ms frames of a recording that carry speech (above -45 dBFS), by index."""
    samples, rate = sf.read(str(path), dtype="float64")
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    return np.flatnonzero(20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12) > -45)
