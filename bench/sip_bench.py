"""Capacity with real media: simultaneous SIP calls through the lab's phone network.

binalert's PBX runs the shipped production configuration and calls simulated members on the
carrier (a second Asterisk on this machine) over a SIP trunk: G.711 RTP both ways (each
member talks back what it hears), RFC 4733 keys possible, no transcoding. Each step places
N calls at once (the trunk limits set to N channels, 100 set-ups per second) that last
CALL_SECONDS; it reports how many were answered, how late the last one was answered, and
the CPU per call of each Asterisk and of the dispatcher. It stops at the first step where a
call failed or was answered later than LATE_SECONDS after its set-up should have started.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.dialer_lab import new_store
from binalert.models import CallAttempt, Delivery
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

STEPS = (50, 100, 200, 300, 500, 700, 1000)
CALL_SECONDS = 20
SETUPS_PER_SECOND = 100.0
LATE_SECONDS = 10.0  # answered this long after the planned set-up: a late call
CLK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Step:
    calls: int
    answered: int
    failed: int
    last_answer_late: float  # seconds after its planned set-up time
    pbx_cpu_ms: float
    carrier_cpu_ms: float
    dispatcher_cpu_ms: float

    @property
    def broke(self) -> bool:
        return self.failed > 0 or self.last_answer_late > LATE_SECONDS


def _answers(store: Store, alert_id: int) -> tuple[int, int, float]:
    with store.session() as s:
        rows = s.execute(
            select(CallAttempt.started_at, CallAttempt.answered_at, CallAttempt.outcome)
            .join(Delivery, Delivery.id == CallAttempt.delivery_id)
            .where(Delivery.alert_id == alert_id)
        ).all()
        total = s.scalar(select(func.count()).where(Delivery.alert_id == alert_id)) or 0
    answered = [r for r in rows if r.answered_at is not None]
    first = min((r.started_at for r in rows), default=None)
    late = 0.0
    for i, r in enumerate(sorted(answered, key=lambda r: r.answered_at)):
        planned = i / SETUPS_PER_SECOND
        assert first is not None
        late = max(late, (r.answered_at - first).total_seconds() - planned)
    return len(answered), total - len(answered), late


async def _step(pbx: LabPbx, carrier: LabPbx, store: Store, calls: int) -> Step:
    settings = lab_settings(
        pbx,
        store,
        max_channels=calls,
        max_cps=SETUPS_PER_SECOND,
        max_attempts=1,
        ring_timeout=20,
        worker_id=f"sip-bench-{calls}",
    )
    member = SIM.talks_for(CALL_SECONDS)
    async with running_dispatcher(settings, store):
        cpu = (_cpu_seconds(pbx.pid()), _cpu_seconds(carrier.pid()), _own_cpu())
        alert_id = seed_alert(store, member.numbers(calls))
        deadline = time.monotonic() + CALL_SECONDS + calls / SETUPS_PER_SECOND + 40
        while time.monotonic() < deadline and _open(store, alert_id):
            await asyncio.sleep(0.5)
        used = (_cpu_seconds(pbx.pid()), _cpu_seconds(carrier.pid()), _own_cpu())
    answered, failed, late = _answers(store, alert_id)
    per_call = [(after - before) * 1000 / calls for before, after in zip(cpu, used, strict=True)]
    return Step(calls, answered, failed, late, *per_call)


def _open(store: Store, alert_id: int) -> bool:
    with store.session() as s:
        query = select(func.count()).where(
            Delivery.alert_id == alert_id, Delivery.status.in_(("pending", "calling"))
        )
        return bool(s.scalar(query))


def main() -> None:
    print(__doc__.splitlines()[0])
    print(f"each step: N calls of {CALL_SECONDS} s at once, {SETUPS_PER_SECOND:.0f} set-ups/s")
    print(
        "  calls  answered  failed  last answer late  CPU per call: PBX  carrier  dispatcher"
        "  (PBX cores per 100 simultaneous calls)"
    )
    with (
        tempfile.TemporaryDirectory(prefix="binalert-sip-bench-") as tmp,
        temporary_network(f"bench{os.getpid()}s") as (pbx, carrier),
    ):
        store = new_store(Path(tmp), "sip")
        for calls in STEPS:
            step = asyncio.run(_step(pbx, carrier, store, calls))
            print(
                f"  {step.calls:5d}  {step.answered:8d}  {step.failed:6d}  "
                f"{step.last_answer_late:13.1f} s  {step.pbx_cpu_ms:15.1f} ms"
                f"  {step.carrier_cpu_ms:5.1f} ms  {step.dispatcher_cpu_ms:7.1f} ms"
                f"  ({step.pbx_cpu_ms / CALL_SECONDS / 10:.2f})"
            )
            if step.broke:
                print(f"  breaks at {calls} simultaneous calls (a failed or late call)")
                return
        print(f"  held {STEPS[-1]} simultaneous calls with audio both ways; not pushed further")


if __name__ == "__main__":
    main()
