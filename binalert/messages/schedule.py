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

from binalert.deliveries import lifecycle
from binalert.deliveries.hours import DEFAULT_HOURS, hours_by_bin
from binalert.messages import repository as repo
from binalert.models import Alert, Member


def _grouped(pairs: Sequence[tuple[Member, int]]) -> list[tuple[Member, list[int]]]:
    found: dict[int, tuple[Member, list[int]]] = {}
    for member, bin_id in pairs:
        found.setdefault(member.id, (member, []))[1].append(bin_id)
    return list(found.values())


def schedule(
    session: Session, alert: Alert, now: datetime, validity: timedelta, only: Any = None
) -> int:
    """Add the alert's deliveries (to the active members of its BINs; `only`: a select of
    the member ids to keep), set its calls_from and valid_until; returns how many."""
    members = _grouped(repo.members_in_bins(session, alert.bin_ids, only))
    hours = hours_by_bin(session, alert.bin_ids)
    openings = {b: hours.get(b, DEFAULT_HOURS).next_opening(now) for b in alert.bin_ids}
    planned: list[lifecycle.Planned] = []
    for member, bin_ids in members:
        if alert.urgent:
            planned.append((member, now, bin_ids[0]))
        else:
            at, bin_id = min((openings[b], b) for b in bin_ids)
            planned.append((member, at, bin_id))
    lifecycle.open_deliveries(session, alert, planned)
    if alert.urgent:
        starts = now
    else:
        starts = min((due for _, due, _ in planned), default=min(openings.values()))
        alert.calls_from = starts
    alert.valid_until = starts + validity
    session.flush()
    return len(planned)
