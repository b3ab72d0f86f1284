"""Alert creation (texts and templates), validation, idempotency, stats, deliveries, cancel."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.models import AuditLog, Delivery, DeliveryEvent
from binalert.runtime import Runtime
from store.announce import ALERTS_CHANGED
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import all_items, create_alert


def deliveries_by_member(store: Store, alert_id: int) -> dict[int | None, Delivery]:
    with store.session() as s:
        rows = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)).all()
        return {d.member_id: d for d in rows}


def test_one_delivery_per_active_member_in_their_language(
    client: TestClient, world: World, store: Store
) -> None:
    alert = create_alert(client, world, bin_ids=[world.bin_a, world.bin_b])
    assert alert["status"] == "active"
    found = deliveries_by_member(store, alert["id"])
    m = world.members
    assert set(found) == {m["an"], m["both"], m["dieter"]}  # inactive out, "both" once
    assert found[m["an"]].language == "nl"
    assert found[m["both"]].language == "fr"
    assert found[m["dieter"]].language == "nl"  # no de text: the alert's first language
    assert found[m["both"]].phones == ["+3250123457", "+32470123457"]
    assert found[m["an"]].phones == ["+3250123456"]
    created = datetime.fromisoformat(alert["created_at"])
    for d in found.values():
        assert d.status == "pending" and d.urgent is True and d.attempts == 0
        assert d.next_attempt_at == created
    assert datetime.fromisoformat(alert["valid_until"]) - created == timedelta(minutes=60)
    assert alert["stats"]["deliveries"] == 3
    assert alert["stats"]["by_status"] == {"pending": 3}
    estimate = alert["stats"]["estimate"]
    assert estimate["untried"] == 3 and estimate["average_call_seconds"] == 45.0
    assert datetime.fromisoformat(estimate["all_tried_by"]) <= datetime.fromisoformat(
        estimate["finished_by"]
    )


def test_template_gives_every_language(client: TestClient, world: World, store: Store) -> None:
    template = {
        "kind": "suspect_vehicle",
        "make": "Volkswagen Golf",
        "colour": "grijs",
        "plate": "1-abc-123",
        "direction": "Gent",
    }
    alert = create_alert(
        client,
        world,
        messages=None,
        template=template,
        languages=["fr", "nl", "de"],
        urgent=False,
        valid_minutes=30,
    )
    assert list(alert["messages"]) == ["fr", "nl", "de"]
    assert alert["template"] == "suspect_vehicle" and alert["urgent"] is False
    for text in alert["messages"].values():
        assert "1-ABC-123" in text and "101" in text and "Gent" in text
    found = deliveries_by_member(store, alert["id"])
    assert found[world.members["dieter"]].language == "de"
    assert found[world.members["an"]].urgent is False
    person = create_alert(
        client,
        world,
        messages=None,
        template={
            "kind": "suspect_person",
            "who": "man",
            "clothing": "jacket",
            "clothing_colour": "red",
            "direction": "de Markt",
        },
    )
    assert list(person["messages"]) == ["nl", "fr", "de", "en"]
    assert "een verdachte man in uw buurt, met een rode jas" in person["messages"]["nl"]
    clear = create_alert(client, world, messages=None, template={"kind": "all_clear"})
    assert "normal" in clear["messages"]["en"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": {"nl": "x" * 1001}}, "body.messages.nl"),
        ({"messages": {"xx": "hallo"}}, "body.messages.xx.[key]"),
        ({"messages": {"nl": "regel\nregel"}}, "body.messages.nl"),
        ({"messages": {"nl": "bel\x07"}}, "body.messages.nl"),
        ({"messages": {"nl": "   "}}, "body.messages.nl"),
        ({"messages": {}}, "body"),
        ({"messages": None}, "body"),
        ({"template": {"kind": "suspect_vehicle", "make": "VW"}}, "body.template.suspect_vehicle"),
        ({"template": {"kind": "pursue"}}, "body.template"),
        ({"bin_ids": []}, "body"),  # no BIN, place or route (#23)
        ({"bin_ids": [1, 1]}, "body"),
        ({"valid_minutes": 0}, "body.valid_minutes"),
        ({"incident_ref": ""}, "body.incident_ref"),
        ({"surprise": 1}, "body.surprise"),
    ],
)
def test_invalid_alerts_are_422_with_the_field(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    payload = {"bin_ids": [world.bin_a], "incident_ref": "PV", "messages": {"nl": "ok"}} | body
    response = client.post("/api/v1/alerts", json=payload, headers=world.auth("police"))
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "invalid" and error["message"]
    assert any(d["field"].startswith(field) for d in error["details"]), error["details"]


def test_malformed_json_is_422(client: TestClient, world: World) -> None:
    headers = world.auth("police") | {"Content-Type": "application/json"}
    response = client.post("/api/v1/alerts", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


def test_idempotency_key_creates_one_alert(client: TestClient, world: World, store: Store) -> None:
    headers = world.auth("police") | {"Idempotency-Key": "dispatch-42"}
    body = {"bin_ids": [world.bin_a], "incident_ref": "PV", "messages": {"nl": "ok"}}
    first = client.post("/api/v1/alerts", json=body, headers=headers)
    second = client.post("/api/v1/alerts", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert len(deliveries_by_member(store, first.json()["id"])) == 3
    other = client.post(
        "/api/v1/alerts",
        json=body,
        headers=world.auth("police2") | {"Idempotency-Key": "dispatch-42"},
    )
    assert other.status_code == 409
    bad = client.post(
        "/api/v1/alerts",
        json=body,
        headers=world.auth("police") | {"Idempotency-Key": "with space"},
    )
    assert bad.status_code == 422


def test_concurrent_idempotent_requests_make_one_alert(
    client: TestClient, world: World, store: Store
) -> None:
    headers = world.auth("police") | {"Idempotency-Key": "race-1"}
    body = {"bin_ids": [world.bin_a], "incident_ref": "PV", "messages": {"nl": "ok"}}
    results: list[Any] = []

    def post() -> None:
        results.append(client.post("/api/v1/alerts", json=body, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r.status_code for r in results] == [202] * 6
    assert len({r.json()["id"] for r in results}) == 1


def test_creating_publishes_alerts_changed(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    woke: list[bool] = []

    async def wait() -> None:
        async with runtime.bus.subscribe(ALERTS_CHANGED) as sub:
            ready.set()
            woke.append(await sub.wait(10))

    ready = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(wait()))
    thread.start()
    assert ready.wait(5)
    create_alert(client, world)
    thread.join(10)
    assert woke == [True]


def test_deliveries_page_and_coordinator_sees_own_members(client: TestClient, world: World) -> None:
    alert = create_alert(client, world, bin_ids=[world.bin_a, world.bin_c], who="admin")
    path = f"/api/v1/alerts/{alert['id']}/deliveries"
    items = all_items(client, path, world.auth("admin"), limit=2)
    assert len(items) == 4
    assert len({i["id"] for i in items}) == 4
    for item in items:
        assert {
            "member_id",
            "status",
            "attempts",
            "last_outcome",
            "language",
            "acknowledged_at",
        } <= set(item)
    mine = all_items(client, path, world.auth("coordinator"), limit=1)
    assert {i["member_id"] for i in mine} == {
        world.members["an"],
        world.members["both"],
        world.members["dieter"],
    }
    theirs = all_items(client, path, world.auth("coordinator_c"))
    assert {i["member_id"] for i in theirs} == {world.members["cora"]}


def test_bad_cursor_and_limit_are_422(client: TestClient, world: World) -> None:
    for params in ({"cursor": "!!!"}, {"cursor": "aWQ6LTE"}, {"limit": 0}, {"limit": 1000}):
        response = client.get("/api/v1/alerts", params=params, headers=world.auth("admin"))
        assert response.status_code == 422, params


def test_cancel_stops_waiting_calls(client: TestClient, world: World, store: Store) -> None:
    alert = create_alert(client, world)
    response = client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=world.auth("police"))
    assert response.status_code == 200
    body = response.json()
    assert body["cancelled_deliveries"] == 3
    assert body["alert"]["status"] == "cancelled"
    assert body["alert"]["stats"]["by_status"] == {"cancelled": 3}
    assert {d.status for d in deliveries_by_member(store, alert["id"]).values()} == {"cancelled"}
    with store.session() as s:
        kinds = s.scalars(
            select(DeliveryEvent.kind).where(DeliveryEvent.alert_id == alert["id"])
        ).all()
    assert kinds.count("delivery_final") == 3 and kinds[-1] == "alert_cancelled"
    again = client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=world.auth("police"))
    assert again.status_code == 409 and "cancelled" in again.json()["message"]


def test_writes_are_audited(client: TestClient, world: World, store: Store) -> None:
    alert = create_alert(client, world)
    client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=world.auth("police"))
    with store.session() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        entries = [(r.action, r.target, r.actor, r.source) for r in rows]
    assert entries == [
        ("alert.create", f"alert:{alert['id']}", entries[0][2], "testclient"),
        ("alert.cancel", f"alert:{alert['id']}", entries[0][2], "testclient"),
    ]
    assert entries[0][2].startswith("police:dispatch-101#")
    audit = client.get("/api/v1/audit", headers=world.auth("admin")).json()["items"]
    assert [a["action"] for a in audit] == ["alert.create", "alert.cancel"]
