"""Press 3, heard both ways: a member put through to the police zone's dispatch line hears the
dispatcher, and the dispatcher hears the member, on every call.

Through the lab's phone network (binalert's PBX with the shipped configuration, the carrier
with the simulated people, a SIP trunk with G.711 RTP and RFC 4733 keys). The member (0524)
"talks" in a steady 600 Hz tone after pressing 3, the dispatch line (0525) in a 1500 Hz tone;
the carrier records what each of them received from binalert's PBX, one file per leg
(heard-<number>.wav), and each recording must carry the other's tone for seconds.
"""

from __future__ import annotations

import asyncio
import os
import re
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
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import channels_left, wait_until_final

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]
MEMBER_TONE = 600.0  # dialplans/lab/sim-members.conf, 0524
DISPATCHER_TONE = 1500.0  # 0525
RUNS = 5
HEARD_AT_LEAST = 4.0
"""Seconds of the other's voice each side must hear: the member talks 15 s after the 3, of
which the 'putting you through' words and one ring take about 5."""


@pytest.fixture
def network() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}h") as pair:
        yield pair
        leaked = channels_left(pair)
        assert not leaked, f"channels left behind: {leaked}"


def tone_seconds(path: Path, frequency: float) -> float:
    """Seconds of a recording in which a steady tone of `frequency` is what one hears: frames
    of 100 ms, loud enough (above -45 dBFS) and with most of their power within 30 Hz of it
    (speech and silence never are)."""
    samples, rate = sf.read(str(path), dtype="float64")
    frame = rate // 10
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    if not len(frames):
        return 0.0
    power = np.abs(np.fft.rfft(frames * np.hanning(frame), axis=1)) ** 2
    bins = np.fft.rfftfreq(frame, 1 / rate)
    near = np.abs(bins - frequency) <= 30
    share = power[:, near].sum(axis=1) / (power.sum(axis=1) + 1e-20)
    loud = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-12) > -45
    return float(np.count_nonzero(loud & (share > 0.6))) / 10


def _recording(carrier: LabPbx, number: str) -> Path:
    path = carrier.host_path(carrier.instance.recordings) / f"heard-{number}.wav"
    for _ in range(50):  # MixMonitor closes its file just after the hangup
        if path.exists() and path.stat().st_size > 1000:
            break
        time.sleep(0.1)
    return path


async def _bridges_while_up(pbx: LabPbx, carrier: LabPbx, timeout: float) -> set[str]:
    """The bridge technologies binalert's PBX used while the call was up (its CLI, polled)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = await asyncio.to_thread(pbx.rx, "bridge show all")
        seen |= set(re.findall(r"^[0-9a-f-]{36} .*\s(\S+)\s+\d\d:\d\d:\d\d$", shown, re.M))
        if not await asyncio.to_thread(carrier.active_channels):
            return seen
        await asyncio.sleep(0.5)
    raise AssertionError(f"the transfer's calls not over within {timeout} s")


@pytest.mark.timeout(600)
async def test_a_member_put_through_and_the_dispatcher_hear_each_other_every_time(
    network: Network, sqlite_store: Store
) -> None:
    pbx, carrier = network
    settings = lab_settings(pbx, sqlite_store, digit_timeout=5)
    heard: list[tuple[float, float, set[str]]] = []
    async with running_dispatcher(settings, sqlite_store):
        for run in range(RUNS):
            member, line = SIM.PRESS_3_TALKS.number(run), SIM.DISPATCH_LINE_TALKS.number(run)
            with sqlite_store.session() as s:  # seed_alert's zone
                zones.get_or_create(s, "Brugge").dispatch_number = SIM.DISPATCH_LINE_TALKS.e164(run)
            alert_id = seed_alert(sqlite_store, [member])
            [row] = await wait_until_final(sqlite_store, alert_id, 90)
            assert row.last_outcome == "transferred", row.last_outcome
            technologies = await _bridges_while_up(pbx, carrier, 90)
            member_heard = tone_seconds(_recording(carrier, member), DISPATCHER_TONE)
            line_heard = tone_seconds(_recording(carrier, line), MEMBER_TONE)
            heard.append((member_heard, line_heard, technologies))
    report = "\n".join(f"member heard {m:.1f} s, police {p:.1f} s ({t})" for m, p, t in heard)
    assert all(m >= HEARD_AT_LEAST and p >= HEARD_AT_LEAST for m, p, _ in heard), report
