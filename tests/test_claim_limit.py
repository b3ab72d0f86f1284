"""A claim never opens more calls than it was allowed, whatever plan the database picks.

The bug this guards (#20): PostgreSQL planned the claim's `UPDATE ... WHERE id IN (SELECT
... LIMIT n FOR UPDATE SKIP LOCKED)` as a nested loop that rescanned the subquery for each
waiting row, and every rescan skipped the rows the UPDATE had already changed and took the
next n; with statistics saying few deliveries wait (the earlier alert's all final when they
were gathered) one claim of 20 claimed every delivery of the later alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update

from binalert.deliveries import attempts, lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.models import CallAttempt, CallOutcome, Delivery
from ivr import wire
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

PBX = "pbx1"


def _statistics_say_nothing_waits(store: Store) -> None:
    """An earlier alert, all final, and the planner's statistics gathered then (what
    autovacuum's ANALYZE does after a busy alert)."""
    seed_alert(store, SIM.PRESS_1.numbers(300, start=1000))
    with store.session() as s:
        s.execute(update(Delivery).values(status="acknowledged"))
    if store.is_postgres:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def test_one_claim_opens_no_more_calls_than_the_pbx_has_free_lines(store: Store) -> None:
    _statistics_say_nothing_waits(store)
    later = seed_alert(store, SIM.PRESS_1.numbers(60))
    options = lifecycle.ClaimOptions("w1", PBX, wire.call_id, 60, max_channels=20)
    moment = datetime.now(UTC) + timedelta(seconds=1)
    with store.session() as s:
        first = lifecycle.claim_due(s, moment, 50, options)
    with store.session() as s:
        second = lifecycle.claim_due(s, moment, 50, options)  # every line is taken now
    with store.session() as s:
        open_attempts = s.scalar(select(func.count()).where(CallAttempt.ended_at.is_(None)))
        calling = s.scalar(
            select(func.count()).where(Delivery.alert_id == later, Delivery.status == "calling")
        )
    assert (len(first), len(second)) == (20, 0)
    assert open_attempts == calling == 20


def test_a_line_whose_call_just_ended_is_refilled_only_once_it_has_settled(store: Store) -> None:
    """Asterisk reports a Hangup while the channel is still being torn down: the line counts
    as taken for LINE_SETTLING_SECONDS after the call's end is stored."""
    seed_alert(store, SIM.PRESS_1.numbers(5))
    options = lifecycle.ClaimOptions("w1", PBX, wire.call_id, 60, max_channels=2)
    start = datetime.now(UTC) + timedelta(seconds=1)
    with store.session() as s:
        [ended, _] = lifecycle.claim_due(s, start, 5, options)
    with store.session() as s:
        lifecycle.finish_call(s, ended.channel_id, CallOutcome.NO_ANSWER, start, RetryPolicy())
    settling = start + timedelta(seconds=attempts.LINE_SETTLING_SECONDS / 2)
    settled = start + timedelta(seconds=attempts.LINE_SETTLING_SECONDS * 2)
    with store.session() as s:
        assert lifecycle.claim_due(s, settling, 5, options) == []
    with store.session() as s:
        assert len(lifecycle.claim_due(s, settled, 5, options)) == 1
