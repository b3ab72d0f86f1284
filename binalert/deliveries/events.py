"""The delivery event log: every change, in order, written in the same transaction.

Live streams (SSE, resumable by event id) read it; hooks registered on the store (webhook
jobs, by the Runtime at start) run inside that transaction too, so an acknowledgement and
its webhook job commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from binalert.clock import utcnow
from binalert.models import DeliveryEvent
from store.announce import DELIVERY_EVENTS, announce
from store.db import Store

ACKNOWLEDGED = "acknowledged"
CALL_STARTED = "call_started"
CALL_ENDED = "call_ended"
DELIVERY_FINAL = "delivery_final"
TRANSFERRED = "transferred"  # pressed 3: put through to the police (acknowledged as well)
HEARD_ON_CALL_BACK = "heard_on_call_back"  # a 1 on a call back: a caller ID, unverified
STOPPED_BY_MEMBER = "stopped_by_member"  # a confirmed 9 on binalert's call: no more calls
CALL_DEFERRED = "call_deferred"  # a non-urgent delivery put back until its calling hours
ALERT_COMPLETED = "alert_completed"
ALERT_CANCELLED = "alert_cancelled"
ALERT_EXPIRED = "alert_expired"
# SMS (#22), each an event of the delivery it texts (its snapshot, and `sms_id`, `sms_kind`
# (alert | fallback), `parts`; sms-surface shows them on the live page, in SSE and webhooks):
# - sms_queued: an SMS of the delivery is queued (`encoding`, `parts`);
# - sms_sent: the SMSC took every part (its message ids are stored, receipts may follow);
# - sms_delivered: every part's receipt said delivered;
# - sms_failed: it will not arrive, or nobody knows: `sms_status` undeliverable, expired,
#   rejected, failed (a permanent error on submit), no_receipt (sent, no receipt in time),
#   unknown (the worker died between submit and answer; never sent again), cancelled;
# - acknowledged with `channel: "sms"`: a reply 1 (ja, oui, yes, ok) to it;
# - delivery_final with `channel: "sms"`: an SMS-only delivery ended (unacknowledged,
#   unreachable) after its SMS and the reply window (deliveries.sms_rules).
# (`sms_status`, not `status`: `status` is the delivery's, as in every delivery event.)
SMS_QUEUED = "sms_queued"
SMS_SENT = "sms_sent"
SMS_DELIVERED = "sms_delivered"
SMS_FAILED = "sms_failed"

EventHook = Callable[[Session, DeliveryEvent], None]
_HOOKS = "binalert.event_hooks"  # the store's session info: event kind -> hooks
_NO_HOOKS: dict[str, list[EventHook]] = {}
_EVENTS: Table = DeliveryEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_EVENTS)
_INSERT_ONE = insert(_EVENTS).returning(_EVENTS.c.id)


def add_hook(store: Store, hook: EventHook, kinds: Collection[str]) -> None:
    """Call `hook` for every event of these kinds written through this store's sessions,
    inside the writing transaction."""
    hooks: dict[str, list[EventHook]] = store.session_info.setdefault(_HOOKS, {})
    for kind in kinds:
        if hook not in hooks.setdefault(kind, []):
            hooks[kind].append(hook)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(delivery: Any) -> dict[str, Any]:
    """The delivery as an event shows it: a Delivery, or a row of repository.SNAPSHOT."""
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


def record_many(
    session: Session, items: Sequence[tuple[int, str, dict[str, Any], int | None]]
) -> None:
    """Append events (alert id, kind, data, delivery id); hooks see the kinds they asked for;
    live streams are woken once the transaction commits."""
    if not items:
        return
    created_at = utcnow()
    rows: list[dict[str, Any]] = [
        {"alert_id": a, "kind": k, "data": data, "delivery_id": d, "created_at": created_at}
        for a, k, data, d in items
    ]
    connection = session.connection()
    hooks: dict[str, list[EventHook]] = session.info.get(_HOOKS, _NO_HOOKS)
    plain = [row for row in rows if row["kind"] not in hooks]
    if plain:
        connection.execute(_INSERT, plain)
    for row in rows:
        if row["kind"] in hooks:  # the hooks need the event's id: one insert each
            event = DeliveryEvent(id=connection.execute(_INSERT_ONE, row).scalar_one(), **row)
            for hook in hooks[row["kind"]]:
                hook(session, event)
    announce(session, DELIVERY_EVENTS)


def record(
    session: Session,
    alert_id: int,
    kind: str,
    data: dict[str, Any],
    delivery_id: int | None = None,
) -> None:
    record_many(session, [(alert_id, kind, data, delivery_id)])


def record_delivery(session: Session, delivery: Any, kind: str, **extra: Any) -> None:
    """Record `delivery` as changed: a row returned by repository.transition."""
    record(session, delivery.alert_id, kind, snapshot(delivery) | extra, delivery.id)
