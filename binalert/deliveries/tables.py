"""Table handles shared by the delivery and call-attempt repositories.

The dialer's hot path uses Core statements built once at import (bound parameters, no ORM
loading): SQLAlchemy then reuses their compiled form instead of rebuilding the SQL for
every call. A transition returns the row its event shows (UPDATE ... RETURNING).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Table, bindparam

from binalert.models import OPEN_DELIVERY_STATUSES, Alert, CallAttempt, Delivery, DeliveryStatus

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


def waiting(column: ColumnElement[str]) -> ColumnElement[bool]:
    """`status IN ('pending', 'waiting_retry')` as literals, the way the partial indexes
    are defined: a planner can only use them when it sees the values, not parameters."""
    return column.in_(bindparam("waiting", list(WAITING), expanding=True, literal_execute=True))
