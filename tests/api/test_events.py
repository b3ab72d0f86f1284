"""SSE: every delivery event in order, ids = delivery_events ids, resumable with Last-Event-ID.
Events are written through the dialer's own transition functions (ivr/deliveries.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.clock import utcnow
from binalert.deliveries.lifecycle import (
    ClaimedCall,
    ClaimOptions,
    acknowledge,
    claim_due,
    finish_call,
)
from binalert.deliveries.policy import RetryPolicy
from binalert.models import CallOutcome, DeliveryEvent
from binalert.runtime import Runtime
from ivr import wire
from store.announce import DELIVERY_EVENTS
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import create_alert

GIVE_UP = RetryPolicy(max_attempts=1, delays=(1,))


def read_stream(client: TestClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every event of a (finite) SSE stream as {"id", "event", "data"}."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with client.stream("GET", path, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            line = line.rstrip("\r")
            if not line:
                if "data" in current:
                    events.append(current)
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value.removeprefix(" ")
    return [{**e, "data": json.loads(e["data"])} for e in events]


def claim_all(store: Store, limit: int = 50) -> list[ClaimedCall]:
    with store.session() as s:
        return claim_due(s, utcnow(), limit, ClaimOptions("api-test", "pbx1", wire.call_id, 300))


def ack(store: Store, call: ClaimedCall) -> None:
    with store.session() as s:
        assert acknowledge(s, call.channel_id, "1", utcnow())


def end(store: Store, call: ClaimedCall, outcome: CallOutcome) -> None:
    with store.session() as s:
        assert finish_call(s, call.channel_id, outcome, utcnow(), GIVE_UP)


def db_event_ids(store: Store, alert_id: int) -> list[int]:
    with store.session() as s:
        query = select(DeliveryEvent.id).where(DeliveryEvent.alert_id == alert_id)
        return list(s.scalars(query.order_by(DeliveryEvent.id)))


def run_calls(store: Store, publish: Callable[[], None] = lambda: None) -> None:
    """Call everyone: the first member acknowledges, the others never answer (a member
    with a second phone gets a call on it too) until the alert completes."""
    calls = claim_all(store)
    publish()
    ack(store, calls[0])
    publish()
    end(store, calls[0], CallOutcome.ANSWERED)
    rest = calls[1:]
    while rest:
        for call in rest:
            end(store, call, CallOutcome.NO_ANSWER)
            publish()
        rest = claim_all(store)


def test_stream_sends_every_event_and_resumes(
    client: TestClient, world: World, store: Store
) -> None:
    alert = create_alert(client, world)
    run_calls(store)
    path = f"/api/v1/alerts/{alert['id']}/events"
    events = read_stream(client, path, world.auth("police"))
    ids = db_event_ids(store, alert["id"])
    assert [int(e["id"]) for e in events] == ids
    kinds = [e["event"] for e in events]
    assert kinds.count("call_started") == 4 and kinds.count("acknowledged") == 1
    assert kinds.count("call_ended") == 4 and kinds[-1] == "alert_completed"
    acked = next(e for e in events if e["event"] == "acknowledged")
    assert acked["data"]["data"]["status"] == "acknowledged"
    resumed = read_stream(client, path, world.auth("police") | {"Last-Event-ID": str(ids[3])})
    assert [int(e["id"]) for e in resumed] == ids[4:]
    by_query = read_stream(client, f"{path}?after={ids[-2]}", world.auth("admin"))
    assert [int(e["id"]) for e in by_query] == ids[-1:]
    for wrong in ("abc", "²", "1²", "-1", "1" * 19):  # "²" passes str.isdigit(), not int()
        header = {"Last-Event-ID": wrong.encode("latin-1")}  # HTTP headers are latin-1
        bad = client.get(path, headers=world.auth("police") | header)  # type: ignore[operator]
        assert bad.status_code == 422, wrong


def test_stream_is_live(client: TestClient, world: World, store: Store, runtime: Runtime) -> None:
    """Events written while the stream is open arrive; the stream ends with the alert."""
    alert = create_alert(client, world)

    def dialer() -> None:
        time.sleep(0.5)
        run_calls(store, lambda: runtime.bus.publish(DELIVERY_EVENTS))

    thread = threading.Thread(target=dialer)
    started = time.monotonic()
    thread.start()
    events = read_stream(client, f"/api/v1/alerts/{alert['id']}/events", world.auth("police"))
    thread.join(10)
    assert [int(e["id"]) for e in events] == db_event_ids(store, alert["id"])
    assert events[-1]["event"] == "alert_completed"
    assert time.monotonic() - started < 10


def test_cancelled_alert_stream_ends(client: TestClient, world: World, store: Store) -> None:
    alert = create_alert(client, world)
    calls = claim_all(store, limit=1)  # one call is ringing when the alert is cancelled
    client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=world.auth("police"))

    def finish_later() -> None:
        time.sleep(0.5)
        end(store, calls[0], CallOutcome.NO_ANSWER)

    thread = threading.Thread(target=finish_later)
    thread.start()
    events = read_stream(client, f"/api/v1/alerts/{alert['id']}/events", world.auth("police"))
    thread.join(10)
    kinds = [e["event"] for e in events]
    assert "alert_cancelled" in kinds and kinds[-1] == "call_ended"
    assert events[-1]["data"]["data"]["status"] == "cancelled"


@pytest.mark.parametrize("header", ["²", "١٢", "1²", " 7 ", "0" * 19])
def test_last_event_id_is_ascii_digits_or_a_clear_422(header: str) -> None:
    """A server hands the header over as latin-1 text: "²" and other Unicode digits pass
    str.isdigit() but not int(); they must be refused as invalid, never become a 500."""
    from api.routers.events import _last_id
    from binalert.errors import Invalid

    if header.strip().isascii() and header.strip().isdigit() and len(header.strip()) <= 18:
        assert _last_id(header, None) == int(header)
    else:
        with pytest.raises(Invalid):
            _last_id(header, None)
