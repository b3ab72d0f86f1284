"""An alert over two police zones (sent by an admin): each zone's police see, follow and
cancel only their own zone's deliveries (#13 point 13)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.clock import utcnow
from binalert.deliveries.lifecycle import ClaimOptions, claim_due, finish_call
from binalert.deliveries.policy import RetryPolicy
from binalert.models import CallOutcome, Delivery
from ivr import wire
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import all_items, create_alert
from tests.api.test_events import read_stream


def _two_zone_alert(client: TestClient, world: World) -> int:
    alert = create_alert(client, world, "admin", bin_ids=[world.bin_a, world.bin_c])
    return int(alert["id"])


def _members(client: TestClient, world: World, who: str, alert_id: int) -> set[int]:
    rows = all_items(client, f"/api/v1/alerts/{alert_id}/deliveries", world.auth(who), 50)
    return {row["member_id"] for row in rows}


def test_each_zone_sees_only_its_own_members(client: TestClient, world: World) -> None:
    alert_id = _two_zone_alert(client, world)
    zone_1 = {world.members[m] for m in ("an", "both", "dieter")}
    assert _members(client, world, "police", alert_id) == zone_1
    assert _members(client, world, "police2", alert_id) == {world.members["cora"]}
    assert _members(client, world, "admin", alert_id) == zone_1 | {world.members["cora"]}


def test_each_zone_reads_the_counts_of_its_own_members_only(
    client: TestClient, world: World, store: Store
) -> None:
    alert_id = _two_zone_alert(client, world)
    with store.session() as s:  # Cora, in Liège, presses 1
        cora = s.scalar(select(Delivery.id).where(Delivery.member_id == world.members["cora"]))
        calls = claim_due(s, utcnow(), 10, ClaimOptions("t", "pbx1", wire.call_id, 300))
        hers = next(c for c in calls if c.delivery_id == cora)
        finish_call(s, hers.channel_id, CallOutcome.ANSWERED, utcnow(), RetryPolicy())

    def stats(who: str) -> dict[str, object]:
        response = client.get(f"/api/v1/alerts/{alert_id}", headers=world.auth(who))
        assert response.status_code == 200, response.text
        return dict(response.json()["stats"])

    liege, brugge, admin = stats("police2"), stats("police"), stats("admin")
    assert (liege["deliveries"], liege["acknowledged"]) == (1, 1)
    assert (brugge["deliveries"], brugge["acknowledged"]) == (3, 0)  # not Liège's 1
    assert (admin["deliveries"], admin["acknowledged"]) == (4, 1)


@pytest.mark.timeout(60)
def test_the_live_events_of_a_zone_name_only_its_deliveries(
    client: TestClient, world: World, store: Store
) -> None:
    alert_id = _two_zone_alert(client, world)
    client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=world.auth("admin"))
    with store.session() as s:
        cora = s.scalar(select(Delivery.id).where(Delivery.member_id == world.members["cora"]))
    path = f"/api/v1/alerts/{alert_id}/events"
    liege = read_stream(client, path, world.auth("police2"))
    brugge = read_stream(client, path, world.auth("police"))
    assert {e["data"]["delivery_id"] for e in liege} - {None} == {cora}
    assert cora not in {e["data"]["delivery_id"] for e in brugge}
    assert len(brugge) > len(liege) >= 2  # their own deliveries and the alert's own events


def test_a_zone_cancels_its_own_calls_and_the_other_zone_goes_on(
    client: TestClient, world: World, store: Store
) -> None:
    alert_id = _two_zone_alert(client, world)
    with store.session() as s:  # every call is ringing when Liège cancels
        calls = claim_due(s, utcnow(), 10, ClaimOptions("t", "pbx1", wire.call_id, 300))
    assert len(calls) == 4
    response = client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=world.auth("police2"))
    assert response.status_code == 200, response.text
    assert response.json()["alert"]["status"] == "active"  # Brugge's members are still called
    assert response.json()["cancelled_deliveries"] == 0  # nobody was waiting: all ringing
    for call in calls:  # nobody answers
        with store.session() as s:
            finish_call(s, call.channel_id, CallOutcome.NO_ANSWER, utcnow(), RetryPolicy())
    with store.session() as s:
        rows = {d.member_id: d.status for d in s.scalars(select(Delivery))}
    assert rows[world.members["cora"]] == "cancelled"  # ended cancelled, never retried
    assert {rows[world.members[m]] for m in ("an", "both", "dieter")} == {"waiting_retry"}
