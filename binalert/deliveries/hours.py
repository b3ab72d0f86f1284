"""Non-urgent deliveries in the dialer's claim: kept within their BIN's calling hours, and
never on every line of a PBX.

Urgent alerts ring at any hour and come first: the claim reads the queue in the order
`urgent DESC, attempts, next_attempt_at, id`, so a waiting urgent delivery is always taken
before a due non-urgent one. Two guards keep non-urgent messages in their place:

- Calling hours. A non-urgent delivery is due only within its BIN's calling hours (created
  at the next opening; retries moved into them, policy.next_call_at). One whose time came
  but whose window closed before a line was free (a backlog at 19:59, a BIN whose hours were
  shortened) is put back, unplaced, to the next opening when the claim takes it
  (`outside_hours` finds them, `lifecycle.defer_to_hours` puts them back); the claim of
  urgent rows does nothing more than before (the check runs only when non-urgent rows were
  claimed).
- Quiet hours (#24). A member may name hours when non-urgent messages must not ring them
  (members.quiet_start/quiet_end); the same check puts their delivery back to the first
  moment within the BIN's hours and outside their quiet ones (calling_hours.next_allowed);
  the message's SMS to them waits likewise (`quiet_due`, when the lifecycle queues it).
- Channels. Non-urgent calls start only while the PBX's open calls stay below
  `max_channels - reserve` (URGENT_RESERVE of them, at least one when the PBX has two or
  more): however many messages wait, that many lines are free for an urgent alert the
  moment it comes, and the rest free up as the messages' calls end.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from binalert.calling_hours import CallingHours, QuietHours, next_allowed
from binalert.deliveries.tables import AnyRow
from binalert.models import Bin, Member

URGENT_RESERVE = 0.2  # the share of a PBX's channels non-urgent calls leave free
DEFAULT_HOURS = CallingHours()

_BINS: Any = Bin.__table__
_HOURS = select(
    _BINS.c.id,
    _BINS.c.calling_start,
    _BINS.c.calling_end,
    _BINS.c.call_on_sundays,
    _BINS.c.call_on_holidays,
).where(_BINS.c.id.in_(bindparam("ids", expanding=True)))


@functools.lru_cache(maxsize=1024)
def calling_hours(start: str, end: str, sundays: bool, holidays: bool) -> CallingHours:
    return CallingHours(time.fromisoformat(start), time.fromisoformat(end), sundays, holidays)


def hours_of(found: Any) -> CallingHours:
    """A BIN's calling hours, from a Bin or a row of its columns (the defaults for a BIN
    that no longer exists, None)."""
    if found is None:
        return DEFAULT_HOURS
    return calling_hours(
        found.calling_start,
        found.calling_end,
        bool(found.call_on_sundays),
        bool(found.call_on_holidays),
    )


_MEMBERS: Any = Member.__table__
_QUIET = select(_MEMBERS.c.id, _MEMBERS.c.quiet_start, _MEMBERS.c.quiet_end).where(
    _MEMBERS.c.id.in_(bindparam("ids", expanding=True)),
    _MEMBERS.c.quiet_start.is_not(None),
)


def quiet_by_member(session: Session, member_ids: Collection[int | None]) -> dict[int, QuietHours]:
    """The quiet hours of those of these members who have some."""
    ids = sorted({i for i in member_ids if i is not None})
    if not ids:
        return {}
    rows = session.connection().execute(_QUIET, {"ids": ids})
    found = {row.id: QuietHours.of(row.quiet_start, row.quiet_end) for row in rows}
    return {member_id: quiet for member_id, quiet in found.items() if quiet is not None}


def hours_by_bin(session: Session, bin_ids: Collection[int | None]) -> dict[int, CallingHours]:
    ids = sorted({i for i in bin_ids if i is not None})
    if not ids:
        return {}
    rows = session.connection().execute(_HOURS, {"ids": ids})
    return {row.id: hours_of(row) for row in rows}


def hours_of_bin(session: Session, bin_id: int | None) -> CallingHours:
    return hours_by_bin(session, [bin_id]).get(bin_id or 0, DEFAULT_HOURS)


def urgent_reserve(max_channels: int, share: float = URGENT_RESERVE) -> int:
    """How many of a PBX's channels non-urgent calls leave free (none on a one-line PBX)."""
    return max(0, min(max_channels - 1, math.ceil(max_channels * share)))


def non_urgent_room(max_channels: int | None, open_calls: int, share: float) -> int | None:
    """How many non-urgent calls may start now on this PBX (None: no limit known)."""
    if max_channels is None:
        return None
    return max_channels - urgent_reserve(max_channels, share) - open_calls


def outside_hours(
    session: Session, rows: Iterable[AnyRow], now: datetime
) -> list[tuple[AnyRow, datetime]]:
    """The non-urgent rows whose BIN does not call now, or whose member is in their quiet
    hours, with the next moment they may ring."""
    waiting = [row for row in rows if not row.urgent]
    hours = hours_by_bin(session, [row.bin_id for row in waiting])
    quiet = quiet_by_member(session, [row.member_id for row in waiting])
    found = []
    for row in waiting:
        allowed = next_allowed(hours.get(row.bin_id, DEFAULT_HOURS), quiet.get(row.member_id), now)
        if allowed != now:
            found.append((row, allowed))
    return found


def quiet_due(
    session: Session, wanted: Sequence[AnyRow], due: Sequence[datetime]
) -> list[datetime]:
    """When a non-urgent message's SMS to each of these deliveries may go: `due` (its first
    call's time, within the BIN's hours), moved past the member's quiet hours (#24)."""
    quiet = quiet_by_member(session, [row.member_id for row in wanted])
    if not quiet:
        return list(due)
    hours = hours_by_bin(session, [row.bin_id for row in wanted if row.member_id in quiet])
    return [
        next_allowed(hours.get(row.bin_id, DEFAULT_HOURS), quiet[row.member_id], moment)
        if row.member_id in quiet
        else moment
        for row, moment in zip(wanted, due, strict=True)
    ]
