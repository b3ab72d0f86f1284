"""Table handles shared by the delivery and call-attempt repositories.

The dialer's hot path uses Core statements built once at import (bound parameters, no ORM
loading): SQLAlchemy then reuses their compiled form instead of rebuilding the SQL for
every call. A transition returns the row its event shows (UPDATE ... RETURNING).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, literal_column, true

from binalert.models import OPEN_DELIVERY_STATUSES, Alert, CallAttempt, Delivery, DeliveryStatus

_STATUS = re.compile(r"[a-z_]+")
AnyRow = Row[*tuple[Any, ...]]  # a Core result row: columns by attribute name

DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
ATTEMPTS: Table = CallAttempt.__table__  # type: ignore[assignment]
ALERTS: Table = Alert.__table__  # type: ignore[assignment]

WAITING = (DeliveryStatus.PENDING.value, DeliveryStatus.WAITING_RETRY.value)
OPEN = tuple(s.value for s in OPEN_DELIVERY_STATUSES)

# What a delivery event shows of the delivery (events.snapshot).
SNAPSHOT = tuple(
    DELIVERIES.c[name]
    for name in (
        "id",
        "alert_id",
        "member_id",
        "status",
        "attempts",
        "last_outcome",
        "language",
        "acknowledged_at",
        "next_attempt_at",
    )
)


def status_in(column: ColumnElement[str], statuses: Iterable[str]) -> ColumnElement[bool]:
    """`status IN ('a', 'b')` with the values written into the SQL: our own constants, so
    nothing is expanded per execution, and a planner sees them (partial indexes)."""
    return column.in_([_literal(status) for status in statuses])


def _literal(status: str) -> ColumnElement[str]:
    if not _STATUS.fullmatch(status):
        raise ValueError(f"not a delivery status: {status!r}")
    return literal_column(f"'{status}'")


def waiting(column: ColumnElement[str]) -> ColumnElement[bool]:
    """The waiting statuses (a delivery that only texts waits too, for its SMS)."""
    return status_in(column, WAITING)


def dialable() -> ColumnElement[bool]:
    """What the partial indexes ix_deliveries_queue and ix_deliveries_next hold: waiting
    deliveries the dialer calls (`call = 1` on SQLite, `call = true` on PostgreSQL, the very
    terms of the indexes' WHERE, so both planners see that the index covers the query)."""
    return waiting(DELIVERIES.c.status) & (DELIVERIES.c.call == true())
