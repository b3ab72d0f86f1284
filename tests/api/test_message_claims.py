"""What the dialer's claim does with non-urgent messages (lifecycle.claim_due, deliveries.hours),
on SQLite and PostgreSQL: urgent calls first, never outside calling hours (a backlog at 20:00
is put back to the next morning), retries moved into calling hours, and a share of the
channels always left to urgent alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.clock import travel
from binalert.deliveries.events import CALL_DEFERRED
from binalert.deliveries.hours import urgent_reserve
from binalert.deliveries.lifecycle import ClaimedCall, ClaimOptions, claim_due, finish_call
from binalert.deliveries.policy import RetryPolicy
from binalert.models import CallAttempt, CallOutcome, Delivery, DeliveryEvent
from ivr import wire
from store.db import Store
from tests.api.conftest import World, add_member
from tests.api.helpers import create_alert

MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Brussels
TEN = MORNING + timedelta(hours=1)
CLOSING = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # Tuesday 20:00 in Brussels
NEXT_MORNING = MORNING + timedelta(days=1)
MESSAGE = {"subject": "Donkere avonden", "template": {"kind": "dark_evenings"}}


def send_message(client: TestClient, world: World, bin_ids: list[int] | None = None) -> int:
    body = {"bin_ids": bin_ids or [world.bin_a], **MESSAGE}
    response = client.post("/api/v1/messages", json=body, headers=world.auth("police"))
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def claim(
    store: Store, now: datetime, limit: int, channels: int | None = None
) -> list[ClaimedCall]:
    options = ClaimOptions("claims", "pbx1", wire.call_id, 300, max_channels=channels)
    with store.session() as s:
        return claim_due(s, now, limit, options)


def delivery_rows(store: Store, alert_id: int) -> list[Delivery]:
    with store.session() as s:
        query = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
        return list(s.scalars(query))


def test_a_waiting_urgent_delivery_is_claimed_before_a_due_message(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(TEN):
        message = send_message(client, world)
    with travel(TEN + timedelta(minutes=5)):
        alert = create_alert(client, world)["id"]
    now = TEN + timedelta(minutes=6)
    assert [c.alert_id for c in claim(store, now, 1)] == [alert]
    assert [c.alert_id for c in claim(store, now, 3)] == [alert, alert, message]
    assert {c.alert_id for c in claim(store, now, 10)} == {message}


def test_a_message_is_not_called_after_its_bins_hours_closed(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(CLOSING - timedelta(minutes=30)):  # 19:30: due at once
        message = send_message(client, world)
    calls = claim(store, CLOSING - timedelta(minutes=20), 1)  # one call before 20:00
    assert len(calls) == 1
    late = CLOSING + timedelta(minutes=1)  # 20:01: a backlog of two
    assert claim(store, late, 10) == []
    rows = delivery_rows(store, message)
    waiting = [d for d in rows if d.id != calls[0].delivery_id]
    assert [(d.status, d.attempts, d.rounds) for d in waiting] == [("pending", 0, 0)] * 2
    assert all(d.next_attempt_at == NEXT_MORNING for d in waiting)
    assert all(d.claimed_by is None and d.lease_until is None for d in waiting)
    with store.session() as s:
        placed = s.scalars(select(CallAttempt.delivery_id)).all()
        kinds = s.scalars(select(DeliveryEvent.kind).where(DeliveryEvent.alert_id == message))
        assert placed == [calls[0].delivery_id]
        assert list(kinds).count(CALL_DEFERRED) == 2
    assert len(claim(store, NEXT_MORNING, 10)) == 2  # called the next morning


def test_an_unanswered_message_is_retried_within_calling_hours(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(CLOSING - timedelta(minutes=5)):  # 19:55
        message = send_message(client, world)
        alert = create_alert(client, world)["id"]
    policy = RetryPolicy(max_attempts=3, delays=(300,))
    calls = claim(store, CLOSING - timedelta(minutes=4), 10)
    ended = CLOSING - timedelta(minutes=3)  # 19:57: a retry 5 minutes later is after 20:00
    with store.session() as s:
        for call in calls:
            finish_call(s, call.channel_id, CallOutcome.NO_ANSWER, ended, policy)
    later = {d.member_id: d.next_attempt_at for d in delivery_rows(store, message)}
    urgent = {d.member_id: d.next_attempt_at for d in delivery_rows(store, alert)}
    member = world.members["an"]
    assert later[member] == NEXT_MORNING
    assert urgent[member] == ended + timedelta(seconds=300)
    both = world.members["both"]  # a second number is tried at once, if the hours allow
    assert later[both] == ended and urgent[both] == ended


def test_a_retry_claimed_out_of_hours_is_put_back_as_it_was(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(CLOSING - timedelta(minutes=5)):
        message = send_message(client, world)
    calls = claim(store, CLOSING - timedelta(minutes=4), 10)
    busy_at = CLOSING - timedelta(minutes=3)  # busy: tried again at 19:58 (in hours)
    with store.session() as s:
        for call in calls:
            policy = RetryPolicy(max_attempts=3, delays=(60,))
            finish_call(s, call.channel_id, CallOutcome.BUSY, busy_at, policy)
    before = {
        d.id: (d.status, d.attempts, d.rounds, d.next_phone_index)
        for d in delivery_rows(store, message)
    }
    assert claim(store, CLOSING + timedelta(minutes=1), 10) == []  # 20:01: no line was free
    rows = delivery_rows(store, message)
    assert {d.id: (d.status, d.attempts, d.rounds, d.next_phone_index) for d in rows} == before
    assert {d.status for d in rows} == {"waiting_retry"}
    assert {d.next_attempt_at for d in rows} == {NEXT_MORNING}


def test_messages_leave_a_share_of_the_channels_to_urgent_alerts(
    client: TestClient, world: World, store: Store
) -> None:
    for i in range(8):
        add_member(store, [world.bin_a], f"Extra {i}", f"+325012{i:04d}", "nl")
    with travel(TEN):
        message = send_message(client, world)
    channels = 5
    assert urgent_reserve(channels) == 1 and urgent_reserve(1) == 0 and urgent_reserve(40) == 8
    first = claim(store, TEN + timedelta(minutes=1), 10, channels)
    assert [c.alert_id for c in first] == [message] * 4  # 5 channels, 1 kept free
    assert (
        claim(store, TEN + timedelta(minutes=1), 10, channels) == []
    )  # the messages wait for a line
    with travel(TEN):
        alert = create_alert(client, world)["id"]
    assert [c.alert_id for c in claim(store, TEN + timedelta(minutes=1), 10, channels)] == [
        alert
    ]  # the kept line
