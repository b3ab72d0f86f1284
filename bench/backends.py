"""Run one benchmark on each backend: a migrated SQLite store in a temporary folder, then a
throwaway PostgreSQL database (skipped, with a line saying so, where no server answers)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from binalert import migrate
from store.db import Store

PG_URL = os.environ.get("BINALERT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
Backend = Callable[[str, Store, Callable[[str], None]], None]


def _say(line: str) -> None:
    print(line, flush=True)


def _measured(backend: Backend, name: str, url: str) -> None:
    migrate.upgrade(url)
    store = Store(url)
    try:
        backend(name, store, _say)
    finally:
        store.dispose()


def on_each_backend(label: str, backend: Backend) -> None:
    """`backend(name, store, say)` on SQLite, then on a database `binalert_<label>_<pid>` of
    the PostgreSQL server, dropped afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"binalert-{label}-bench-") as tmp:
        _measured(backend, "sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")
    try:
        import psycopg

        name = f"binalert_{label}_bench_{os.getpid()}"
        conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no PostgreSQL here: SQLite only
        _say(f"    postgresql skipped: {type(error).__name__}")
        return
    try:
        _measured(backend, "postgresql", PG_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
