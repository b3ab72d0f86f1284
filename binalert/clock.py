"""The one clock: every timestamp binalert writes or compares is timezone-aware UTC.

Tests move it (`travel`): a message sent at 22:00 is held until 09:00 without sleeping until
morning. Everything that reads the time goes through utcnow(), so the dialer, the pages and
the store's defaults all see the moved clock; monotonic timers (asyncio, rate limits) do not.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

_offset: timedelta | None = None  # None: the real clock
_lock = threading.Lock()


def utcnow() -> datetime:
    offset = _offset
    if offset is None:
        return datetime.now(UTC)
    return datetime.now(UTC) + offset


class Travel:
    """A moved clock: it reads the time it was moved to and runs on from there."""

    def move_to(self, moment: datetime) -> None:
        """From now on the clock reads `moment` (timezone-aware), then runs on."""
        global _offset
        if moment.tzinfo is None:
            raise ValueError("the clock moves to timezone-aware times only")
        with _lock:
            _offset = moment - datetime.now(UTC)


@contextlib.contextmanager
def travel(moment: datetime) -> Iterator[Travel]:
    """For tests: the clock reads `moment` and runs on; the real clock again afterwards."""
    global _offset
    clock = Travel()
    clock.move_to(moment)
    try:
        yield clock
    finally:
        with _lock:
            _offset = None
