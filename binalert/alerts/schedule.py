"""One delivery per member for a message or a follow-up, each due when its BIN's calling hours
allow (urgent ones at once).

A member in several of the alert's BINs keeps the calling hours of the one that opens first.
The alert's `calls_from` is the earliest first call; its validity counts from then, so a
message sent at 22:00 for three days is valid three days from 09:00 the next morning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from binalert.alerts import repository as repo
from binalert.deliveries import lifecycle
from binalert.deliveries.hours import DEFAULT_HOURS, hours_by_bin
from binalert.models import Alert, Member


def _grouped(pairs: Sequence[tuple[Member, int]]) -> list[tuple[Member, list[int]]]:
    found: dict[int, tuple[Member, list[int]]] = {}
    for member, bin_id in pairs:
        found.setdefault(member.id, (member, []))[1].append(bin_id)
    return list(found.values())


def schedule(
    session: Session,
    alert: Alert,
    now: datetime,
    validity: timedelta,
    only: Any = None,
    bin_ids: Sequence[int] | None = None,
) -> int:
    """Add the alert's deliveries (to the active members of its BINs, or of `bin_ids`: one
    zone's part of a message, approved later; `only`: a select of the member ids to keep;
    members the alert already calls are left out), move its calls_from and valid_until on;
    returns how many."""
    bins = list(alert.bin_ids if bin_ids is None else bin_ids)
    members = _grouped(repo.members_in_bins(session, bins, only, not_of=alert.id))
    hours = hours_by_bin(session, bins)
    openings = {b: hours.get(b, DEFAULT_HOURS).next_opening(now) for b in bins}
    planned: list[lifecycle.Planned] = []
    for member, member_bins in members:
        if alert.urgent:
            planned.append((member, now, member_bins[0]))
        else:
            at, bin_id = min((openings[b], b) for b in member_bins)
            planned.append((member, at, bin_id))
    lifecycle.open_deliveries(session, alert, planned)
    if alert.urgent:
        starts = now
    else:
        starts = min((due for _, due, _ in planned), default=min(openings.values()))
        earlier = alert.calls_from  # a part approved before this one
        alert.calls_from = starts if earlier is None else min(earlier, starts)
    # A part approved later keeps the calls of the earlier parts valid, and its own.
    alert.valid_until = max(alert.valid_until, starts + validity)
    session.flush()
    return len(planned)
