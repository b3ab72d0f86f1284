"""Issue 7 bench: workers and PBXes on PostgreSQL, POST-to-Originate latency, one PBX's capacity.

Runs real `binalert worker` / `binalert serve` processes against lab Asterisk instances of its
own and a throwaway PostgreSQL database. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import psycopg

from bench.dialer_lab import WireTap, count_final
from binalert import migrate
from lab.cli import lab_environment
from lab.pbx import LabPbx, free_port, temporary_lab
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

say = functools.partial(print, flush=True)
PG_ADMIN = os.environ.get("BINALERT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BINALERT = str(Path(sys.executable).parent / "binalert")
CALL_SECONDS = 5
CHANNELS = 20  # per PBX, for every worker together


def lab(suffix: str) -> contextlib.AbstractContextManager[LabPbx]:
    return temporary_lab(f"cb{os.getpid()}{suffix}")


@contextlib.contextmanager
def pg_store() -> Iterator[Store]:
    name = f"binalert_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    migrate.upgrade(url)
    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(store: Store, pbxes: Sequence[LabPbx], channels: int, cps: int) -> dict[str, str]:
    first = lab_environment(pbxes[0])
    entries = [
        {
            "name": p.instance.name,
            "ami_port": p.instance.ami_port,
            "ami_secret": p.instance.ami_secret,
            "max_channels": channels,
            "max_cps": cps,
            "dial_template": first["BINALERT_DIAL_TEMPLATE"],
            "pbx_sounds_dir": first["BINALERT_PBX_SOUNDS_DIR"],
        }
        for p in pbxes
    ]
    return os.environ | {
        "BINALERT_DATABASE_URL": store.url,
        "BINALERT_SOUNDS_DIR": first["BINALERT_SOUNDS_DIR"],
        "BINALERT_PBXES": json.dumps(entries),
        "BINALERT_AMD_ENABLED": "false",
        "BINALERT_RING_TIMEOUT": "10",
        "BINALERT_MAX_ATTEMPTS": "1",  # bench members hang up without a key: one call each
        "BINALERT_CALL_DEADLINE": "60",
        "BINALERT_SHUTDOWN_GRACE": "2",
    }


def _start(args: list[str], env: dict[str, str], worker_id: str) -> subprocess.Popen[bytes]:
    env = env | {"BINALERT_WORKER_ID": worker_id}
    return subprocess.Popen(
        [BINALERT, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_final(store: Store, alert_id: int, total: int, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while count_final(store, alert_id) < total:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"alert {alert_id} not final after {timeout:.0f} s")
        time.sleep(0.1)
    return time.perf_counter()


def throughput(workers: int, pbxes: Sequence[LabPbx], calls: int) -> tuple[float, float]:
    """Makespan of one alert of `calls` calls of CALL_SECONDS s: (calls/s, utilisation)."""
    with pg_store() as store:
        env = _env(store, pbxes, CHANNELS, 100)
        procs = [_start(["worker"], env, f"bench-w{i}") for i in range(workers)]
        try:
            time.sleep(2.0)  # logged in and reconciled
            numbers = SIM.hangs_up_after(CALL_SECONDS).numbers(calls)
            started = time.perf_counter()
            alert_id = seed_alert(store, numbers)  # its NOTIFY wakes the workers
            done = _wait_final(store, alert_id, calls, 600)
        finally:
            _stop(procs)
    makespan = done - started
    ideal = calls / (CHANNELS * len(pbxes)) * CALL_SECONDS
    return calls / makespan, ideal / makespan


async def _post_to_originate(pbx: LabPbx, store: Store, samples: int) -> list[float]:
    env = _env(store, [pbx], CHANNELS, 100)
    port = free_port()
    api = _start(["serve", "--port", str(port), "--no-dispatcher"], env, "bench-api")
    worker = _start(["worker"], env, "bench-worker")
    tap = WireTap(pbx)
    await tap.start()
    token = subprocess.run(
        [BINALERT, "token", "create", "--role", "admin", "--name", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            bin_id = await _bench_bin(client, token)
            for _ in range(samples):
                latencies.append(await _one_post(client, token, bin_id, tap))
    finally:
        await tap.close()
        _stop([api, worker])
    return latencies


async def _bench_bin(client: httpx.AsyncClient, token: str) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/health")).status_code == 200:
                break
        await asyncio.sleep(0.1)
    made = await client.post(
        "/api/v1/bins",
        headers=auth,
        json={"name": "Bench", "municipality": "Gent", "police_zone": "Gent"},
    )
    bin_id = int(made.json()["id"])
    await client.post(
        f"/api/v1/bins/{bin_id}/members",
        headers=auth,
        json={"name": "M", "phone": SIM.hangs_up_after(1).number(1), "language": "nl"},
    )
    await asyncio.sleep(2.0)
    return bin_id


async def _one_post(client: httpx.AsyncClient, token: str, bin_id: int, tap: WireTap) -> float:
    before = set(tap.seen)
    sent = time.perf_counter()
    response = await client.post(
        "/api/v1/alerts",
        headers={"Authorization": f"Bearer {token}"},
        json={"bin_ids": [bin_id], "incident_ref": "PV-B", "messages": {"nl": "Korte test."}},
    )
    response.raise_for_status()
    while not (set(tap.seen) - before):
        await asyncio.sleep(0.002)
    first = min(tap.seen[c] for c in set(tap.seen) - before)
    await asyncio.sleep(1.5)  # let the 1-second call end
    return (first - sent) * 1000


def capacity(pbx: LabPbx, calls: int) -> tuple[float, int]:
    """Push one lab Asterisk: sustained originates per second and peak simultaneous calls."""
    with pg_store() as store:
        env = _env(store, [pbx], 2000, 400)
        procs = [_start(["worker"], env, "bench-cap")]
        peak = 0
        try:
            time.sleep(2.0)
            started = time.perf_counter()
            alert_id = seed_alert(store, SIM.hangs_up_after(20).numbers(calls))
            while count_final(store, alert_id) < calls:
                out = pbx.rx("core show channels count")
                digits = [int(w) for w in out.split() if w.isdigit()]
                peak = max(peak, (digits[0] // 2) if digits else 0)
                if time.perf_counter() - started > 300:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
        finally:
            _stop(procs)
    return calls / max(elapsed - 20, 1.0), peak


def main() -> None:
    with lab("a") as pbx_a, lab("b") as pbx_b:
        runs = {
            "1 worker, 1 PBX": throughput(1, [pbx_a], 120),
            "2 workers, 1 PBX": throughput(2, [pbx_a], 120),
            "1 worker, 2 PBXes": throughput(1, [pbx_a, pbx_b], 240),
            "2 workers, 2 PBXes": throughput(2, [pbx_a, pbx_b], 240),
        }
        base = runs["1 worker, 1 PBX"][0]
        say(f"throughput, calls of {CALL_SECONDS} s, {CHANNELS} channels per PBX:")
        for name, (rate, util) in runs.items():
            say(
                f"  {name:20s} {rate:6.2f} calls/s  x{rate / base:4.2f}  "
                f"channel utilisation {util:.3f}"
            )
        with pg_store() as store:
            lat = asyncio.run(_post_to_originate(pbx_a, store, 20))
        say(
            f"POST /api/v1/alerts -> first Originate on the wire (PostgreSQL, LISTEN/NOTIFY, "
            f"API and worker in two processes): p50 {statistics.median(lat):.1f} ms, "
            f"p95 {sorted(lat)[int(len(lat) * 0.95) - 1]:.1f} ms  (target p50 <= 100 ms)"
        )
        rate, peak = capacity(pbx_a, 1500)
        say(
            f"one lab Asterisk (2 cores, shared with the dispatcher and PostgreSQL), 20 s calls: "
            f"{rate:.1f} call set-ups/s sustained, {peak} simultaneous calls at the peak"
        )


if __name__ == "__main__":
    main()
