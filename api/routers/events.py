"""/api/v1/alerts/{id}/events: Server-Sent Events, one per delivery_events row.

The event id is the row id, so a client reconnecting with Last-Event-ID gets exactly what
it missed. The stream ends once the alert is final, no call is open and all was sent.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CallerDep, Id, RuntimeDep
from api.errors import ERROR_RESPONSES
from binalert.alerts import repository as repo
from binalert.alerts.service import member_scope, visible_alert
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.errors import Invalid
from binalert.ids import TextCursor
from binalert.models import AlertStatus, DeliveryEvent, Role
from binalert.runtime import Runtime
from store.announce import DELIVERY_EVENTS

router = APIRouter(prefix="/api/v1/alerts", tags=["live"], responses=ERROR_RESPONSES)
BATCH = 200
POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15


Scope = set[int] | None


def _check(runtime: Runtime, caller: Caller, alert_id: int) -> Scope:
    """The BINs whose members' events this caller may follow (None: all of the alert's)."""
    require_role(caller.principal, Role.POLICE)
    with runtime.store.session() as session:
        return member_scope(session, caller, visible_alert(session, caller, alert_id))


def _read(
    runtime: Runtime, alert_id: int, after: int, scope: Scope
) -> tuple[list[DeliveryEvent], bool]:
    """(new events, finished): finished when the alert is final with no call open."""
    with runtime.store.session() as session:
        rows = repo.events_after(session, alert_id, after, BATCH, scope)
        alert = repo.get(session, alert_id)
        done = alert is None or (
            alert.status != AlertStatus.ACTIVE.value and repo.open_count(session, alert_id) == 0
        )
    return rows, done


def _message(row: DeliveryEvent) -> dict[str, Any]:
    data = {
        "id": row.id,
        "alert_id": row.alert_id,
        "delivery_id": row.delivery_id,
        "kind": row.kind,
        "at": row.created_at.isoformat(),
        "data": row.data,
    }
    return {"id": str(row.id), "event": row.kind, "data": json.dumps(data)}


async def event_stream(
    runtime: Runtime, alert_id: int, after: int, scope: Scope = None
) -> AsyncIterator[dict[str, Any]]:
    async with runtime.bus.subscribe(DELIVERY_EVENTS) as sub:
        while True:
            rows, done = await asyncio.to_thread(_read, runtime, alert_id, after, scope)
            for row in rows:
                after = row.id
                yield _message(row)
            if len(rows) == BATCH:
                continue
            if done:
                # the final check ran with the read: one more read catches a last batch
                rows, _ = await asyncio.to_thread(_read, runtime, alert_id, after, scope)
                for row in rows:
                    after = row.id
                    yield _message(row)
                return
            await sub.wait(POLL_SECONDS)


EVENT_ID = re.compile(r"[0-9]{1,18}")


def _last_id(header: str | None, query: int | None) -> int:
    if header is None:
        return query or 0
    if not EVENT_ID.fullmatch(header.strip()):  # str.isdigit() takes "²", which int() refuses
        raise Invalid("Last-Event-ID must be an event id this stream sent")
    return int(header)


@router.get(
    "/{alert_id}/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "delivery events"}},
)
async def alert_events(
    caller: CallerDep,
    runtime: RuntimeDep,
    alert_id: Id,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[TextCursor | None, Query(description="resume after id")] = None,
) -> EventSourceResponse:
    """Every delivery change as it happens (id = event id; resume with Last-Event-ID)."""
    scope = await run_in_threadpool(_check, runtime, caller, alert_id)
    start = _last_id(last_event_id, after)
    stream = event_stream(runtime, alert_id, start, scope)
    return EventSourceResponse(stream, ping=HEARTBEAT_SECONDS)
