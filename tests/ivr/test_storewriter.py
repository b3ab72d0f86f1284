"""The dialer's store writer: jobs waiting together share one transaction, and a job that
fails never takes another job's write with it (both backends)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from binalert.models import Bin
from ivr.storewriter import StoreWriter
from store.db import Store

pytestmark = pytest.mark.timeout(30)


def _add_bin(session: Session, name: str) -> int:
    bin_ = Bin(name=name, municipality="Brugge", police_zone="Brugge")
    session.add(bin_)
    session.flush()
    return bin_.id


def _add_then_fail(session: Session, name: str) -> int:
    _add_bin(session, name)
    raise ValueError("refused after writing")


def _names(store: Store, prefix: str) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Bin.name).where(Bin.name.like(f"{prefix}%"))))


async def test_jobs_waiting_together_share_one_transaction(store: Store) -> None:
    with ThreadPoolExecutor(1) as pool:
        writer = StoreWriter(store, pool)
        ids = await asyncio.gather(*(writer.run(_add_bin, f"batch-{i}") for i in range(5)))
    assert len(set(ids)) == 5
    assert _names(store, "batch-") == {f"batch-{i}" for i in range(5)}
    assert writer.jobs == 5 and writer.transactions == 1  # all asked before the store ran


async def test_a_failing_job_loses_nothing_of_the_others(store: Store) -> None:
    with ThreadPoolExecutor(1) as pool:
        writer = StoreWriter(store, pool)
        results = await asyncio.gather(
            writer.run(_add_bin, "iso-first"),
            writer.run(_add_bin, "iso-a"),
            writer.run(_add_then_fail, "iso-bad"),
            writer.run(_add_bin, "iso-b"),
            return_exceptions=True,
        )
    assert isinstance(results[2], ValueError)
    assert writer.transactions == 1 + 4  # the batch, rolled back; then each job alone
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    assert _names(store, "iso-") == {"iso-first", "iso-a", "iso-b"}  # the failed write is gone
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Bin).where(Bin.name == "iso-bad")) == 0


async def test_items_of_one_step_waiting_together_go_to_it_in_one_call(store: Store) -> None:
    calls: list[list[str]] = []

    def add_bins(session: Session, names: list[str]) -> list[int]:
        calls.append(list(names))
        if "many-bad" in names:
            raise ValueError("refused")
        return [_add_bin(session, name) for name in names]

    with ThreadPoolExecutor(1) as pool:
        writer = StoreWriter(store, pool)
        together = await asyncio.gather(
            writer.run_many(add_bins, "many-a"),
            writer.run(_add_bin, "many-plain"),
            writer.run_many(add_bins, "many-b"),
        )
        assert calls == [["many-a", "many-b"]] and writer.transactions == 1
        calls.clear()
        alone = await asyncio.gather(
            writer.run_many(add_bins, "many-c"),
            writer.run_many(add_bins, "many-bad"),
            return_exceptions=True,
        )
    assert len(set(together)) == 3
    assert isinstance(alone[1], ValueError) and isinstance(alone[0], int)
    assert calls == [["many-c", "many-bad"], ["many-c"], ["many-bad"]]  # then each alone
    assert _names(store, "many-") == {"many-a", "many-b", "many-plain", "many-c"}
