"""Chaos: an alert through the real lab network (binalert's PBX with the shipped
configuration, the carrier's simulated members) by two `binalert worker` processes on a
PostgreSQL server of the test's own, while the PBX, the database or the workers and the
PBX together fail in the middle of it.

Each ends with every delivery final, nobody called after their 1, every call the failure
cut made again, and never more calls up on the PBX than its channel limit (counted on the
PBX every 100 ms)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from binalert.models import CallAttempt, Delivery
from lab.harness import FINAL
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.chaos.conftest import CHANNELS_PER_CALL, LIMIT, Network
from tests.chaos.harness import ChannelWatch, Processes
from tests.chaos.pginstance import PgInstance

pytestmark = [pytest.mark.pbx, pytest.mark.postgres]

# Members who all end by pressing 1, some early in the message, some only after the prompt
# (longer calls): a call a failure cut must be made again for them to end acknowledged.
MEMBERS = (
    SIM.PRESS_1.numbers(12)
    + SIM.SILENT_PRESS_1.numbers(6)
    + SIM.HELLO_TWICE_PRESS_1_LATE.numbers(6)
)
WORKERS = ("chaos-w1", "chaos-w2")


def _rows(store: Store, alert_id: int) -> tuple[list[Delivery], list[CallAttempt]]:
    with store.session() as s:
        deliveries = list(s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)))
        attempts = list(
            s.scalars(
                select(CallAttempt)
                .join(Delivery, Delivery.id == CallAttempt.delivery_id)
                .where(Delivery.alert_id == alert_id)
                .order_by(CallAttempt.id)
            )
        )
    return deliveries, attempts


def _until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def _acknowledged(store: Store, alert_id: int) -> int:
    deliveries, _ = _rows(store, alert_id)
    return sum(d.status == "acknowledged" for d in deliveries)


def _settled(store: Store, alert_id: int) -> bool:
    deliveries, attempts = _rows(store, alert_id)
    return all(d.status in FINAL for d in deliveries) and all(a.ended_at for a in attempts)


def _mid_alert(store: Store, alert_id: int, watch: ChannelWatch) -> None:
    """Wait until the alert is in full swing: some members acknowledged, lines busy."""
    _until(
        "calls up and acknowledgements coming in",
        lambda: watch.last >= LIMIT // 2 and _acknowledged(store, alert_id) >= 2,
        60,
    )


def _kill_pbx_and_restart(network: Network, down: float) -> None:
    pbx, _ = network
    pbx.kill()
    time.sleep(down)
    pbx.start()
    pbx.wait_registered()


def _after_the_alert(
    store: Store, alert_id: int, watch: ChannelWatch, failed_at: datetime
) -> tuple[list[Delivery], list[CallAttempt]]:
    """Wait until every delivery is final, then check what every chaos test promises."""
    _until("every delivery final, every call closed", lambda: _settled(store, alert_id), 90)
    deliveries, attempts = _rows(store, alert_id)
    by_delivery: dict[int, list[CallAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    assert {d.status for d in deliveries} == {"acknowledged"}, {d.id: d.status for d in deliveries}
    late = [
        d.id
        for d in deliveries
        if d.acknowledged_at is None
        or any(a.started_at > d.acknowledged_at for a in by_delivery[d.id])
    ]
    after_press = [
        a.id
        for a in attempts
        if a.digit == "1" and any(b.id > a.id for b in by_delivery[a.delivery_id])
    ]
    assert not late and not after_press, f"called again after their 1: {late} {after_press}"
    cut = [
        a
        for a in attempts
        if a.started_at <= failed_at and (a.ended_at is None or a.ended_at >= failed_at)
    ]
    not_made_again = [
        a.id
        for a in cut
        if a.digit is None and not any(b.id > a.id for b in by_delivery[a.delivery_id])
    ]
    assert cut, "the failure came when no call was up: it proves nothing"
    assert not not_made_again, f"calls cut and never made again: attempts {not_made_again}"
    assert LIMIT // 2 <= watch.peak <= LIMIT * CHANNELS_PER_CALL, (
        f"{watch.peak} channels up at once on the PBX; its limit is {LIMIT} calls: {watch.at_peak}"
    )
    return deliveries, attempts


def _start_workers(processes: Processes) -> None:
    for name in WORKERS:
        processes.start_worker(name)


@pytest.mark.timeout(150)
def test_a_pbx_killed_mid_alert_cuts_calls_that_are_made_again_within_its_channels(
    network: Network, store: Store, processes: Processes, watch: ChannelWatch
) -> None:
    processes.start_api()
    alert_id = seed_alert(store, MEMBERS)
    _start_workers(processes)
    _mid_alert(store, alert_id, watch)
    failed_at = datetime.now(UTC)
    pbx, _ = network
    pbx.kill()
    # The API dials nothing itself: what it says of the PBX comes from the workers' heartbeats.
    _until("/ready says calls through the PBX are held", lambda: _pbx_held(processes), 15)
    pbx.start()
    pbx.wait_registered()
    _until("/ready answers 200 again", lambda: processes.ready()[0] == 200, 30)
    _after_the_alert(store, alert_id, watch, failed_at)


def _pbx_held(processes: Processes) -> bool:
    """/ready answers 503, the database reachable, and says why calls through the PBX are
    held (the workers' own words: unreachable, not answering)."""
    status, body = processes.ready()
    reasons = body.get("why")
    why = " ".join(str(line) for line in reasons) if isinstance(reasons, list) else ""
    return status == 503 and body.get("database") is True and why.startswith("PBX ")


@pytest.mark.timeout(150)
def test_a_database_stopped_15_s_mid_alert_keeps_presses_and_readiness_says_so(
    network: Network,
    store: Store,
    postgres: PgInstance,
    processes: Processes,
    watch: ChannelWatch,
) -> None:
    processes.start_api()
    _start_workers(processes)  # /ready is 200 once a worker dials the PBX (its heartbeat)
    _until("/ready answers 200", lambda: processes.ready()[0] == 200, 30)
    alert_id = seed_alert(store, MEMBERS)
    _mid_alert(store, alert_id, watch)
    store.dispose()  # the test's own connections go with the server too
    failed_at = datetime.now(UTC)
    postgres.stop()
    stopped = time.monotonic()
    status, body = processes.ready()
    assert status == 503 and body.get("database") is False, (status, body)
    # The workers' heartbeats are in the database: /ready says so instead of guessing that
    # no worker dials.
    assert "database is unreachable" in str(body.get("why")), body
    time.sleep(max(0.0, 15 - (time.monotonic() - stopped)))
    status, body = processes.ready()
    assert status == 503 and body.get("database") is False, (status, body)  # still down
    postgres.start()
    back_at = datetime.now(UTC)
    _until("/ready answers 200 again", lambda: processes.ready()[0] == 200, 30)
    deliveries, _ = _after_the_alert(store, alert_id, watch, failed_at)
    pressed_in_outage = [
        d.id
        for d in deliveries
        if d.acknowledged_at is not None and failed_at <= d.acknowledged_at <= back_at
    ]
    assert pressed_in_outage, "nobody pressed 1 while the database was down: proves nothing"


@pytest.mark.timeout(150)
def test_workers_and_the_pbx_killed_together_lose_no_call_and_keep_the_limit(
    network: Network, store: Store, processes: Processes, watch: ChannelWatch
) -> None:
    alert_id = seed_alert(store, MEMBERS)
    _start_workers(processes)
    _mid_alert(store, alert_id, watch)
    failed_at = datetime.now(UTC)
    for name in WORKERS:
        processes.kill(name)
    _kill_pbx_and_restart(network, down=2)
    _start_workers(processes)  # as a supervisor restarts them, under the same worker ids
    _after_the_alert(store, alert_id, watch, failed_at)


@pytest.mark.timeout(150)
def test_everything_at_once_a_worker_the_pbx_and_the_database_and_the_limit_still_holds(
    network: Network,
    store: Store,
    postgres: PgInstance,
    processes: Processes,
    watch: ChannelWatch,
) -> None:
    """A worker killed, the PBX killed and the database stopped at the same moment; the PBX
    comes back first (the surviving worker logs in and reconciles while the database is still
    down), then the database, then the killed worker (a worker needs its database to start)."""
    alert_id = seed_alert(store, MEMBERS)
    _start_workers(processes)
    _mid_alert(store, alert_id, watch)
    store.dispose()
    failed_at = datetime.now(UTC)
    processes.kill(WORKERS[0])
    network[0].kill()
    postgres.stop()
    stopped = time.monotonic()
    time.sleep(2)
    network[0].start()
    network[0].wait_registered()
    time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
    postgres.start()
    processes.start_worker(WORKERS[0])
    _after_the_alert(store, alert_id, watch, failed_at)
