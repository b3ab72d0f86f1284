"""announce(): the one way a change wakes whoever waits for it, and only once it committed."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from binalert.runtime import Runtime
from binalert.settings import Settings
from store.announce import ALERTS_CHANGED, CHANNEL, DELIVERY_EVENTS, announce
from store.db import Store

pytestmark = pytest.mark.timeout(30)


def _runtime(store: Store) -> Runtime:
    return Runtime(Settings(database_url=store.url, environment="test"), store)


async def test_a_commit_wakes_this_process_and_a_rollback_does_not(store: Store) -> None:
    runtime = _runtime(store)
    async with (
        runtime.bus.subscribe(ALERTS_CHANGED) as alerts,
        runtime.bus.subscribe(DELIVERY_EVENTS) as events,
    ):
        with pytest.raises(RuntimeError), store.session() as session:
            announce(session, ALERTS_CHANGED)
            raise RuntimeError("the write failed")
        assert not await alerts.wait(0.2)
        with store.session() as session:
            announce(session, ALERTS_CHANGED)
            announce(session, ALERTS_CHANGED)  # once per transaction is enough
            assert not await alerts.wait(0.05)  # not before the commit
        assert await alerts.wait(1)
        assert not await events.wait(0.05)


def test_an_unknown_topic_is_refused(store: Store) -> None:
    with pytest.raises(ValueError), store.session() as session:
        announce(session, "alerts-changed")


@pytest.mark.postgres
async def test_other_processes_hear_of_a_commit_only(pg_store: Store) -> None:
    conninfo = pg_store.url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as listener:
        await listener.execute(f"LISTEN {CHANNEL}")
        with pytest.raises(RuntimeError), pg_store.session() as session:
            announce(session, DELIVERY_EVENTS)
            raise RuntimeError("rolled back")
        with pg_store.session() as session:
            session.execute(text("SELECT 1"))
            announce(session, ALERTS_CHANGED)
        heard = []
        async with asyncio.timeout(5):
            async for notice in listener.notifies():
                heard.append(notice.payload)
                break
        assert heard == [ALERTS_CHANGED]
