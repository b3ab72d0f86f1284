"""Wrong passwords slow one account down, never everyone: after FREE_TRIES wrong in a row,
each further try of that account waits a delay that doubles up to MAX_DELAY."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_TRIES = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)


def delay_after(failures: int) -> timedelta:
    """How long the account waits after this many wrong tries in a row."""
    if failures < FREE_TRIES:
        return timedelta(0)
    doublings = min(failures - FREE_TRIES, 10)
    return min(FIRST_DELAY * (2**doublings), MAX_DELAY)


def locked_until(failures: int, now: datetime) -> datetime | None:
    delay = delay_after(failures)
    return now + delay if delay else None


def is_waiting(until: datetime | None, now: datetime) -> bool:
    return until is not None and now < until
