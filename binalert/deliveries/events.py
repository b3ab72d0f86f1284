"""The delivery event log: every change, in order, written in the same transaction.

Live streams (SSE, resumable by event id) read it; hooks registered here (webhooks)
run inside that transaction too, so an acknowledgement and its webhook job commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from binalert.models import Delivery, DeliveryEvent, utcnow

ACKNOWLEDGED = "acknowledged"
CALL_STARTED = "call_started"
CALL_ENDED = "call_ended"
RETRY_SCHEDULED = "retry_scheduled"
DELIVERY_FINAL = "delivery_final"
ALERT_COMPLETED = "alert_completed"
ALERT_CANCELLED = "alert_cancelled"
ALERT_EXPIRED = "alert_expired"

EventHook = Callable[[Session, DeliveryEvent], None]
_hooks: list[EventHook] = []


def add_hook(hook: EventHook) -> None:
    """Register a function called for every event, inside the writing transaction."""
    if hook not in _hooks:
        _hooks.append(hook)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "member_id": delivery.member_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_outcome": delivery.last_outcome,
        "language": delivery.language,
        "acknowledged_at": _iso(delivery.acknowledged_at),
        "next_attempt_at": _iso(delivery.next_attempt_at),
    }


def record(
    session: Session,
    alert_id: int,
    kind: str,
    data: dict[str, Any],
    delivery_id: int | None = None,
) -> DeliveryEvent:
    event = DeliveryEvent(
        alert_id=alert_id, delivery_id=delivery_id, kind=kind, data=data, created_at=utcnow()
    )
    session.add(event)
    session.flush()
    for hook in _hooks:
        hook(session, event)
    return event


def record_delivery(session: Session, delivery: Delivery, kind: str, **extra: Any) -> None:
    """Record `delivery` as loaded: pass a row read after the change (repository.get_delivery)."""
    record(session, delivery.alert_id, kind, snapshot(delivery) | extra, delivery.id)
