"""Fixtures of the chaos tests: a lab network for the module, a PostgreSQL server and
binalert's processes for each test, and the watch on the PBX's channels; all gone after the
test, whatever happened in it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text, update

from binalert import migrate
from binalert.models import Delivery
from ivr import channelvars as cv
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.chaos.harness import ChannelWatch, Processes
from tests.chaos.pginstance import PgInstance, own_postgres

Network = tuple[LabPbx, LabPbx]
LIMIT = 10  # the PBX's channels (BINALERT_MAX_CHANNELS), shared by every worker
CHANNELS_PER_CALL = 1  # measured: an alert call is one PJSIP channel on binalert's PBX
WORKER_SETTINGS = {
    "max_channels": str(LIMIT),
    "max_cps": "20",
    "ring_timeout": "6",
    "call_deadline": "30",
    "retry_delays": "1",
    "max_attempts": "3",
    "digit_timeout": "3",
    "shutdown_grace": "3",
    "heartbeat_seconds": "1",  # /ready follows the workers' PBX within a few seconds
}


@pytest.fixture(scope="module")
def chaos_network() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}x") as pair:
        yield pair


@pytest.fixture
def network(chaos_network: Network) -> Iterator[Network]:
    """The module's network, running (a test may have killed binalert's PBX); afterwards no
    channel may be left on binalert's PBX, and the carrier's members whose calls a killed
    PBX left hanging are hung up."""
    pbx, carrier = chaos_network
    if pbx.pid() is None:
        pbx.start()
        pbx.wait_registered()
    for family in (cv.ACK_DB_FAMILY, cv.TRANSFER_DB_FAMILY):  # presses of an earlier test's
        pbx.rx(f"database deltree {family}")  # calls (its store is gone, its ids reused)
    yield chaos_network
    try:
        if pbx.pid() is None:
            pbx.start()
        leaked = pbx.active_channels()
        if leaked:
            pbx.rx("channel request hangup all")
        assert leaked == 0, f"{leaked} channel(s) left up on binalert's PBX"
    finally:
        carrier.rx("channel request hangup all")


@pytest.fixture
def postgres() -> Iterator[PgInstance]:
    """A PostgreSQL server of this test's own, stopped and removed afterwards."""
    with own_postgres() as instance:
        yield instance


@pytest.fixture
def store(postgres: PgInstance) -> Iterator[Store]:
    """The migrated store on the test's server, with a history: an earlier alert, all final,
    and the planner's statistics gathered then (as autovacuum leaves them after an alert),
    the state in which a later alert's claim once took every waiting delivery."""
    migrate.upgrade(postgres.url)
    store = Store(postgres.url)
    try:
        seed_alert(store, SIM.PRESS_1.numbers(300, start=5000))
        with store.session() as s:
            s.execute(update(Delivery).values(status="acknowledged"))
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        yield store
    finally:
        store.dispose()


@pytest.fixture
def watch(network: Network) -> Iterator[ChannelWatch]:
    """The channels up on binalert's PBX, counted every 100 ms for the whole test."""
    watcher = ChannelWatch(network[0])
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()


@pytest.fixture
def processes(network: Network, postgres: PgInstance) -> Iterator[Processes]:
    """binalert's processes on the test's server and the lab PBX; all stopped afterwards
    (their logs printed when the test failed)."""
    with tempfile.TemporaryDirectory(prefix="binalert-chaos-") as folder:
        running = Processes(Path(folder), network[0], postgres.url, **WORKER_SETTINGS)
        try:
            yield running
        finally:
            running.stop_all()
            for log in sorted(Path(folder).glob("*.log")):
                print(f"--- {log.name} (last lines)\n{running.log_tail(log.stem)}")
