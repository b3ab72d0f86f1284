"""Shared fixtures: stores on SQLite and PostgreSQL, and a real lab Asterisk per test session."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from binalert import migrate
from lab.pbx import LabPbx, sweep_stale_labs, temporary_lab
from lab.smsc import LabSmsc, running_smsc
from store.db import Store

PG_ADMIN_URL = os.environ.get("BINALERT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_pg_database() -> str:
    name = f"binalert_test_{secrets.token_hex(4)}"
    with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend (schema not built yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'binalert.db'}"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store whose schema was built by the migrations (never create_all)."""
    migrate.upgrade(db_url)
    store = Store(db_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A migrated store on a throwaway PostgreSQL database, dropped afterwards."""
    url = create_pg_database()
    migrate.upgrade(url)
    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()
        drop_pg_database(url)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'binalert.db'}"
    migrate.upgrade(url)
    store = Store(url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def lab_pbx() -> Iterator[LabPbx]:
    """A real Asterisk 22 of our own for this test session (own name, own AMI port)."""
    sweep_stale_labs()
    with temporary_lab(f"test{os.getpid()}") as pbx:
        yield pbx


@pytest.fixture
def pbx(lab_pbx: LabPbx) -> Iterator[LabPbx]:
    """The session's Asterisk, checked for leaked channels after the test."""
    lab_pbx.rx("database deltree sim_calls")
    yield lab_pbx
    deadline = time.monotonic() + 15
    while lab_pbx.pid() and lab_pbx.active_channels() and time.monotonic() < deadline:
        time.sleep(0.2)
    if lab_pbx.pid():
        leaked = lab_pbx.active_channels()
        if leaked:
            lab_pbx.rx("channel request hangup all")
        assert leaked == 0, f"{leaked} channel(s) left up in Asterisk after the test"


SMSC_TEST_DEFAULTS = {
    "mps": 200,
    "burst_ms": 100,
    "window": 0,
    "latency_ms": 0,
    "receipt_delay_ms": 50,
    "reply_delay_ms": 300,
    "late_reply_ms": 3000,
    "redeliver_ms": 500,
}
"""The lab SMSC in tests: quick receipts, replies and redeliveries (make run's are slower)."""


@pytest.fixture(scope="session")
def lab_smsc() -> Iterator[LabSmsc]:
    """A real SMPP server (lab/smsc) of our own for this test session, on free ports."""
    with running_smsc(**SMSC_TEST_DEFAULTS) as smsc:
        yield smsc


@pytest.fixture
def smsc(lab_smsc: LabSmsc) -> Iterator[LabSmsc]:
    """The session's SMSC, emptied and at the test defaults: what a test sees is its own."""
    lab_smsc.reset()
    lab_smsc.configure(**SMSC_TEST_DEFAULTS)
    yield lab_smsc
    lab_smsc.drop_binds()
    lab_smsc.reset()
