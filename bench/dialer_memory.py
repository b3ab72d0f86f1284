"""(d) of the dialer bench: a `binalert worker` process on an alert to 10,000 members,
watched from outside (/proc): peak RSS (VmHWM), CPU time, calls done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.dialer_lab import count_attempted, count_final, new_store
from lab.cli import lab_environment
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class WorkerRun:
    members: int
    seconds: float
    peak_mb: float = 0.0
    final: int = 0
    attempts: int = 0
    cpu: float = 0.0
    loop_cpu: float = 0.0  # the event loop's thread (AMI, scheduling)
    # (cpu s, event loop cpu s, attempts) when the first attempt was seen: start-up apart
    first: tuple[float, float, int] | None = None

    @property
    def steady_cpu_ms(self) -> float:
        cpu0, _, n0 = self.first or (0.0, 0.0, 0)
        return (self.cpu - cpu0) / max(self.attempts - n0, 1) * 1000

    @property
    def steady_loop_ms(self) -> float:
        """The event loop thread's share; the rest is the store thread (SQL, commits)."""
        _, loop0, n0 = self.first or (0.0, 0.0, 0)
        return (self.loop_cpu - loop0) / max(self.attempts - n0, 1) * 1000


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int, tid: int | None = None) -> float:
    stat = Path(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _worker(pbx: LabPbx, store: Store, channels: int, log: Path) -> subprocess.Popen[bytes]:
    env = (
        os.environ
        | lab_environment(pbx)
        | {
            "BINALERT_DATABASE_URL": store.url,
            "BINALERT_ENVIRONMENT": "test",
            "BINALERT_RING_TIMEOUT": "8",
            "BINALERT_MAX_ATTEMPTS": "1",
            "BINALERT_MAX_CHANNELS": str(channels),
            "BINALERT_MAX_CPS": "200",
            "BINALERT_AMD_ENABLED": "false",
            "BINALERT_DIGIT_TIMEOUT": "3",
            "BINALERT_WORKER_ID": "bench-memory-worker",
            "BINALERT_SHUTDOWN_GRACE": "3",
        }
    )
    binalert = Path(sys.executable).parent / "binalert"
    with open(log, "wb") as out:
        return subprocess.Popen([str(binalert), "worker"], env=env, stdout=out, stderr=out)


def _sample(run: WorkerRun, pid: int, store: Store, alert_id: int) -> None:
    run.peak_mb = max(run.peak_mb, _peak_mb(pid))
    run.cpu = _cpu_seconds(pid)
    run.loop_cpu = _cpu_seconds(pid, pid)  # the main thread runs the event loop
    run.attempts = count_attempted(store, alert_id)
    if run.first is None and run.attempts:
        run.first = (run.cpu, run.loop_cpu, run.attempts)


def bench_memory(
    pbx: LabPbx, folder: Path, members: int, seconds: float, channels: int
) -> WorkerRun:
    """Run the worker for `seconds` (or until the alert is final) on 1-second calls."""
    store = new_store(folder, "memory")
    alert_id = seed_alert(store, SIM.hangs_up_after(1).numbers(members))
    run = WorkerRun(members, seconds)
    worker = _worker(pbx, store, channels, folder / "worker.log")
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds and worker.poll() is None:
            _sample(run, worker.pid, store, alert_id)
            if count_final(store, alert_id) >= members:
                break
            time.sleep(0.5)
        if worker.poll() is None:
            _sample(run, worker.pid, store, alert_id)
        run.seconds = time.monotonic() - start
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    run.final = count_final(store, alert_id)
    store.dispose()
    return run
