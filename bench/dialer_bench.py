"""The dialer against its own lab Asterisk 22: (a) alert -> first Originate on the wire,
(b) channel utilisation at 20 and 60 channels, (c) dispatcher CPU per call attempt,
(d) peak memory of a `binalert worker` with an alert to 10,000 members.

Simulated members SIM.hangs_up_after(TT) (lab.sim) answer and hang up after TT seconds
(calls of known length);
answering-machine detection is off and one attempt per member (no retries), so the figures
are about the dialer, not the retry policy.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.dialer_lab import (
    FinalWatcher,
    OriginateClock,
    WireTap,
    attempt_lengths,
    count_attempted,
    lab_pbx,
    new_store,
)
from bench.dialer_memory import WorkerRun, bench_memory
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

LATENCY_TARGET_MS = 100.0
UTILISATION_TARGET = 0.95
CPU_TARGET_MS = 2.0
MEMORY_TARGET_MB = 200.0
LATENCY_ALERTS = 20
UTILISATION_RUNS = ((20, 120, 5), (60, 180, 5))  # channels, calls, seconds per call
MAX_CPS = 200.0  # far above what 20 or 60 channels of 5 s calls need (4 and 12 per second)
MEMORY_MEMBERS = 10_000
MEMORY_SECONDS = 90.0
MEMORY_CHANNELS = 100


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- (a) alert -> first Originate -----------------------------------------------------------


async def _one_alert_latency(
    store: Store, clock: OriginateClock, tap: WireTap, i: int
) -> tuple[float, float]:
    before = set(clock.sent)
    seed_alert(store, [SIM.hangs_up_after(1).number(i)])
    t0 = time.perf_counter()  # committed and announced, as by the API: the bus woke the dialer
    while not set(clock.sent) - before:
        await asyncio.sleep(0.0005)
    [channel] = set(clock.sent) - before
    while channel not in tap.seen:
        await asyncio.sleep(0.0005)
    return (clock.sent[channel] - t0) * 1000, (tap.seen[channel] - t0) * 1000


async def bench_latency(pbx: LabPbx, folder: Path) -> tuple[list[float], list[float]]:
    store = new_store(folder, "latency")
    settings = lab_settings(pbx, store, max_attempts=1, max_cps=MAX_CPS, worker_id="bench-a")
    sent, seen = [], []
    tap = WireTap(pbx)
    await tap.start()
    try:
        async with running_dispatcher(settings, store) as service:
            assert service.dialer is not None
            clock = OriginateClock(service.dialer.ami)
            await asyncio.sleep(0.5)
            for i in range(LATENCY_ALERTS):
                a, b = await asyncio.wait_for(_one_alert_latency(store, clock, tap, i), 10)
                sent.append(a)
                seen.append(b)
                await asyncio.sleep(0.3)
            await asyncio.sleep(1.5)  # let the last 1 s calls end before stopping
    finally:
        await tap.close()
        store.dispose()
    return sent, seen


def report_latency(sent: list[float], seen: list[float]) -> None:
    print(f"(a) alert committed + published -> first Originate, {len(sent)} alerts of 1 member")
    print(f"    {'':<34}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'target':>8}")
    for label, values in (
        ("Originate written to the AMI socket", sent),
        ("Newchannel seen on a 2nd AMI session", seen),
    ):
        p50 = statistics.median(values)
        print(
            f"    {label:<34}{p50:>8.1f}{_pct(values, 0.95):>8.1f}{max(values):>8.1f}"
            f"{LATENCY_TARGET_MS:>8.0f}  {_verdict(p50 <= LATENCY_TARGET_MS)}"
        )


# -- (b) utilisation and (c) CPU per attempt -------------------------------------------------


@dataclass
class UtilisationRun:
    channels: int
    calls: int
    seconds: int
    makespan: float
    cpu: float
    attempts: int
    lengths: list[float]

    @property
    def ideal(self) -> float:
        return self.calls / self.channels * self.seconds

    @property
    def utilisation(self) -> float:
        return self.ideal / self.makespan

    @property
    def mean_length(self) -> float:
        return statistics.fmean(self.lengths)

    @property
    def occupancy(self) -> float:
        """Share of channel-seconds taken by attempts (claim -> recorded end)."""
        return sum(self.lengths) / (self.channels * self.makespan)

    @property
    def cpu_ms_per_attempt(self) -> float:
        return self.cpu / max(self.attempts, 1) * 1000


async def bench_utilisation(
    pbx: LabPbx, folder: Path, channels: int, calls: int, seconds: int
) -> UtilisationRun:
    store = new_store(folder, f"util{channels}")
    settings = lab_settings(
        pbx,
        store,
        max_attempts=1,
        max_cps=MAX_CPS,
        max_channels=channels,
        worker_id=f"bench-b{channels}",
    )
    try:
        async with running_dispatcher(settings, store):
            await asyncio.sleep(0.5)
            alert_id = seed_alert(store, SIM.hangs_up_after(seconds).numbers(calls))
            watcher = FinalWatcher(store, alert_id, calls)
            cpu0, t0 = time.process_time(), time.perf_counter()  # the dialer runs from here
            watcher.start()
            done = await watcher.wait(calls / channels * seconds * 3 + 30)
            cpu = time.process_time() - cpu0 - watcher.cpu
        attempts, lengths = count_attempted(store, alert_id), attempt_lengths(store, alert_id)
    finally:
        store.dispose()
    return UtilisationRun(channels, calls, seconds, done - t0, cpu, attempts, lengths)


def report_utilisation(runs: list[UtilisationRun]) -> None:
    print(
        f"(b) channel utilisation = ideal / measured makespan (max_cps {MAX_CPS:.0f}, "
        "not the limit; amd off; 1 attempt per member)"
    )
    print(
        f"    {'channels':>8}{'calls':>7}{'call s':>7}{'ideal s':>9}{'measured s':>12}"
        f"{'util':>7}{'target':>8}"
    )
    for r in runs:
        print(
            f"    {r.channels:>8}{r.calls:>7}{r.seconds:>7}{r.ideal:>9.1f}{r.makespan:>12.2f}"
            f"{r.utilisation:>7.3f}{UTILISATION_TARGET:>8.2f}  "
            f"{_verdict(r.utilisation >= UTILISATION_TARGET)}"
        )
    print(
        "    why: attempt length (claim -> recorded end) vs the nominal call, and the share of "
        "channel-seconds the attempts filled"
    )
    for r in runs:
        print(
            f"    {r.channels:>3} channels: mean attempt {r.mean_length:.2f} s for a "
            f"{r.seconds} s call (+{r.mean_length - r.seconds:.2f} s); channels occupied "
            f"{r.occupancy:.3f} of the makespan"
        )
    print(
        "(c) dispatcher CPU per call attempt, in-process during (b) "
        "(process CPU minus the bench's watcher thread; Asterisk is another process)"
    )
    for r in runs:
        print(
            f"    {r.channels:>3} channels: {r.cpu:6.2f} s CPU / {r.attempts} attempts = "
            f"{r.cpu_ms_per_attempt:6.2f} ms (target {CPU_TARGET_MS:.0f})  "
            f"{_verdict(r.cpu_ms_per_attempt <= CPU_TARGET_MS)}"
        )


# -- (d) memory of a worker process ----------------------------------------------------------


def report_memory(run: WorkerRun) -> None:
    print(
        f"(d) `binalert worker` (own process) on an alert to {run.members:,} members, "
        f"1 s calls, {MEMORY_CHANNELS} channels, watched {run.seconds:.0f} s"
    )
    print(
        f"    peak RSS (VmHWM) {run.peak_mb:7.1f} MB (target {MEMORY_TARGET_MB:.0f})  "
        f"{_verdict(run.peak_mb <= MEMORY_TARGET_MB)}"
    )
    print(
        f"    meanwhile: {run.attempts:,} call attempts, {run.final:,} members final "
        f"({run.attempts / run.seconds:.1f} calls/s)"
    )
    print(
        f"    CPU of that process: {run.cpu:.1f} s = {run.cpu / max(run.attempts, 1) * 1000:.2f}"
        f" ms per attempt with start-up, {run.steady_cpu_ms:.2f} ms after the first attempt "
        f"(target {CPU_TARGET_MS:.0f})  {_verdict(run.steady_cpu_ms <= CPU_TARGET_MS)}"
    )
    print(
        f"    of which the event loop thread (AMI, scheduling) {run.steady_loop_ms:.2f} ms and "
        f"the store thread (SQL, commits) {run.steady_cpu_ms - run.steady_loop_ms:.2f} ms"
    )


async def _in_process(pbx: LabPbx, folder: Path) -> None:
    sent, seen = await bench_latency(pbx, folder)
    report_latency(sent, seen)
    runs = [await bench_utilisation(pbx, folder, *spec) for spec in UTILISATION_RUNS]
    report_utilisation(runs)


def main() -> None:
    print(
        "dialer: binalert's dispatcher against its own lab Asterisk 22 (Local channels, "
        "simulated members; Asterisk and the dispatcher share this machine's CPUs)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="binalert-dialer-bench-") as tmp, lab_pbx() as pbx:
        folder = Path(tmp)
        asyncio.run(_in_process(pbx, folder))
        report_memory(bench_memory(pbx, folder, MEMORY_MEMBERS, MEMORY_SECONDS, MEMORY_CHANNELS))


if __name__ == "__main__":
    main()
