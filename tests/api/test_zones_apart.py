"""Zones stay apart (#21 points 4-6): each zone approves a message for its own BINs, sees only
its own follow-ups and decisions on a shared alert, and its webhooks hear only of its own
members' calls; through the API on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import column, insert, select, table

from binalert import migrate
from binalert.clock import Travel, travel, utcnow
from binalert.deliveries import lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.models import (
    Alert,
    CallOutcome,
    Delivery,
    MessageApproval,
    Role,
    WebhookDelivery,
)
from binalert.tokens import create_token
from ivr import wire
from store.db import Store
from tests.api.conftest import ZONE_1, ZONE_2, World
from tests.api.helpers import create_alert, csrf_of, make_account, page_sign_in

HOLIDAY_WATCH = {"subject": "Vakantietoezicht", "template": {"kind": "holiday_watch"}}


@pytest.fixture
def afternoon() -> Iterator[Travel]:
    """Tuesday 1 December 2026, 14:00 in Brussels: within every BIN's calling hours."""
    with travel(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) as clock:
        yield clock


@pytest.fixture
def two_zone_coordinator(world: World, store: Store) -> dict[str, str]:
    """A coordinator of a BIN in Brugge (bin_a) and one in Liège (bin_c)."""
    with store.session() as s:
        token = create_token(s, Role.COORDINATOR, "coord-ac", [world.bin_a, world.bin_c])
    return {"Authorization": f"Bearer {token}"}


def _require_approval(client: TestClient, world: World, *zones: str) -> None:
    police = {ZONE_1: "police", ZONE_2: "police2"}
    for zone in zones:
        response = client.patch(
            f"/api/v1/zones/{zone}",
            json={"approval_required": True},
            headers=world.auth(police[zone]),
        )
        assert response.status_code == 200, response.text


def _send(client: TestClient, world: World, headers: dict[str, str]) -> dict[str, Any]:
    body = {"bin_ids": [world.bin_a, world.bin_c], **HOLIDAY_WATCH}
    response = client.post("/api/v1/messages", json=body, headers=headers)
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def _called(store: Store, alert_id: int) -> dict[int, str]:
    with store.session() as s:
        rows = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id))
        return {d.member_id: d.status for d in rows if d.member_id is not None}


def _awaiting(client: TestClient, world: World, who: str) -> list[int]:
    response = client.get(
        "/api/v1/messages", params={"status": "awaiting_approval"}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()]


BRUGGE = ("an", "both", "dieter")


# -- 4. each zone approves for its own BINs -------------------------------------------------


def test_brugge_approving_a_two_zone_message_calls_only_brugges_members(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    assert message["status"] == "awaiting_approval"
    path = f"/api/v1/messages/{message['id']}"
    assert _awaiting(client, world, "police") == [message["id"]]
    assert _awaiting(client, world, "police2") == [message["id"]]

    approved = client.post(f"{path}/approve", json={"reason": "ok"}, headers=world.auth("police"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"  # Brugge's part is called
    members = world.members
    assert set(_called(store, message["id"])) == {members[m] for m in BRUGGE}
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 409
    assert _awaiting(client, world, "police") == []
    assert _awaiting(client, world, "police2") == [message["id"]]  # Liège still decides

    liege = client.get(path, headers=world.auth("police2")).json()
    assert [(p["police_zone"], p["status"]) for p in liege["approvals"]] == [
        (ZONE_2, "awaiting_approval")
    ]
    assert client.post(f"{path}/approve", headers=world.auth("police2")).status_code == 200
    assert set(_called(store, message["id"])) == {members[m] for m in (*BRUGGE, "cora")}


def test_a_zone_that_rejects_its_part_keeps_its_members_out(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    rejected = client.post(f"{path}/reject", json={"reason": "nee"}, headers=world.auth("police2"))
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "awaiting_approval"  # Brugge has not decided yet
    assert _called(store, message["id"]) == {}
    assert client.post(f"{path}/approve", headers=world.auth("police2")).status_code == 409
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 200
    assert world.members["cora"] not in _called(store, message["id"])


def test_both_zones_rejecting_rejects_the_message(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    assert client.post(f"{path}/reject", headers=world.auth("police")).status_code == 200
    final = client.post(f"{path}/reject", headers=world.auth("police2")).json()
    assert final["status"] == "rejected" and _called(store, message["id"]) == {}


def test_a_zone_without_approval_is_called_at_once_while_the_other_waits(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1)
    message = _send(client, world, two_zone_coordinator)
    assert message["status"] == "active"
    assert set(_called(store, message["id"])) == {world.members["cora"]}
    assert _awaiting(client, world, "police") == [message["id"]]
    assert _awaiting(client, world, "police2") == []
    path = f"/api/v1/messages/{message['id']}"
    assert client.post(f"{path}/approve", headers=world.auth("police2")).status_code == 403


def test_the_message_stays_open_until_every_zone_decided(
    client: TestClient,
    world: World,
    store: Store,
    two_zone_coordinator: dict[str, str],
    afternoon: Travel,
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 200
    with store.session() as s:  # every Brugge call ends before Liège decides
        ids = list(s.scalars(select(Delivery.id).where(Delivery.alert_id == message["id"])))
        assert lifecycle.cancel_deliveries(s, ids) == 3
    assert client.get(path, headers=world.auth("police2")).json()["status"] == "active"
    assert client.post(f"{path}/approve", headers=world.auth("police2")).status_code == 200
    assert _called(store, message["id"])[world.members["cora"]] == "pending"
    options = lifecycle.ClaimOptions("w", "pbx1", wire.call_id, 300)
    with store.session() as s:
        calls = lifecycle.claim_due(s, utcnow(), 10, options)
    assert len(calls) == 1


def test_a_part_rejected_last_completes_the_message(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 200
    with store.session() as s:
        ids = list(s.scalars(select(Delivery.id).where(Delivery.alert_id == message["id"])))
        lifecycle.cancel_deliveries(s, ids)
    assert client.post(f"{path}/reject", headers=world.auth("police2")).status_code == 200
    assert client.get(path, headers=world.auth("admin")).json()["status"] == "completed"


# -- 5. lists scoped like the alert ---------------------------------------------------------


def test_a_zone_sees_only_its_own_follow_ups_of_a_shared_alert(
    client: TestClient, world: World
) -> None:
    alert = create_alert(client, world, "admin", bin_ids=[world.bin_a, world.bin_c])
    text = {"messages": {"fr": "Suspect arrêté à Cointe."}}
    sent = client.post(
        f"/api/v1/alerts/{alert['id']}/feedback", json=text, headers=world.auth("police2")
    )
    assert sent.status_code == 202, sent.text
    path = f"/api/v1/alerts/{alert['id']}/follow-ups"
    for who in ("police", "coordinator"):
        response = client.get(path, headers=world.auth(who))
        assert response.status_code == 200, response.text
        assert response.json()["follow_ups"] == []
        assert "Cointe" not in response.text and "dispatch-liege" not in response.text
    for who in ("police2", "admin", "coordinator_c"):
        follow_ups = client.get(path, headers=world.auth(who)).json()["follow_ups"]
        assert [f["id"] for f in follow_ups] == [sent.json()["id"]]


def test_a_zone_does_not_see_the_other_zones_decision(
    client: TestClient, world: World, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    response = client.post(
        f"{path}/approve", json={"reason": "akkoord Brugge"}, headers=world.auth("police")
    )
    assert response.status_code == 200
    for seen in (
        client.get(path, headers=world.auth("police2")),
        client.get(f"/api/v1/alerts/{message['id']}", headers=world.auth("police2")),
        client.get("/api/v1/messages", headers=world.auth("police2")),
    ):
        assert seen.status_code == 200, seen.text
        assert "dispatch-101" not in seen.text and "akkoord Brugge" not in seen.text
    own = client.get(path, headers=world.auth("police")).json()
    assert own["decision_note"] == "akkoord Brugge"
    mine = client.get(path, headers=two_zone_coordinator).json()  # the sender sees both parts
    assert {p["police_zone"]: p["status"] for p in mine["approvals"]} == {
        ZONE_1: "active",
        ZONE_2: "awaiting_approval",
    }


# -- 6. webhooks hear of their own zone's calls ----------------------------------------------


def _hook(client: TestClient, world: World, who: str, path: str) -> int:
    response = client.post(
        "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:9/{path}", "secret": "s" * 32},
        headers=world.auth(who),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _jobs(store: Store, hook: int) -> list[tuple[str, int | None]]:
    with store.session() as s:
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook)
        rows = s.scalars(query.order_by(WebhookDelivery.id))
        return [(j.event, j.payload["data"].get("member_id")) for j in rows]


def test_a_zones_webhook_hears_only_of_its_own_members_calls(
    client: TestClient, world: World, store: Store
) -> None:
    brugge = _hook(client, world, "police", "brugge")
    liege = _hook(client, world, "police2", "liege")
    everyone = _hook(client, world, "admin", "admin")
    alert = create_alert(client, world, "admin", bin_ids=[world.bin_a, world.bin_c])
    options = lifecycle.ClaimOptions("w", "pbx1", wire.call_id, 300)
    with store.session() as s:
        calls = lifecycle.claim_due(s, utcnow(), 10, options)
    for call in calls:
        with store.session() as s:
            assert lifecycle.acknowledge(s, call.channel_id, "1", utcnow())
        with store.session() as s:
            lifecycle.finish_call(s, call.channel_id, CallOutcome.ANSWERED, utcnow(), RetryPolicy())
    members = world.members
    acked = "acknowledged"
    assert sorted(_jobs(store, liege)) == [(acked, members["cora"]), ("alert_completed", None)]
    assert sorted(_jobs(store, brugge)) == sorted(
        [(acked, members[m]) for m in BRUGGE] + [("alert_completed", None)]
    )
    assert len(_jobs(store, everyone)) == 5
    with store.session() as s:
        assert s.get(Alert, alert["id"]).status == "completed"  # type: ignore[union-attr]


def test_a_message_awaiting_approval_before_the_upgrade_waits_for_each_of_its_zones(
    db_url: str,
) -> None:
    """Migration 0009: a message that waited (for any zone's police) before zones decided
    apart now has one awaiting part per zone of its BINs, with the validity it was sent with."""
    migrate.upgrade(db_url, "0007")
    store = Store(db_url)
    try:
        now = utcnow()
        # Core, with the columns revision 0007 has: the ORM models carry later ones too (and
        # their Python-side defaults, which a Core insert of the model's table would add).
        bins_0007 = table(
            "bins",
            *(
                column(name)
                for name in (
                    "id",
                    "name",
                    "municipality",
                    "police_zone",
                    "created_at",
                    "calling_start",
                    "calling_end",
                    "call_on_sundays",
                    "call_on_holidays",
                )
            ),
        )
        with store.engine.begin() as connection:
            bin_ids = [
                connection.execute(
                    insert(bins_0007)
                    .values(
                        name=name,
                        municipality="Gemeente",
                        police_zone=zone,
                        created_at=now,
                        calling_start="09:00",
                        calling_end="20:00",
                        call_on_sundays=False,
                        call_on_holidays=False,
                    )
                    .returning(bins_0007.c.id)
                ).scalar_one()
                for name, zone in (("Sint-Kruis", ZONE_1), ("Outremeuse", ZONE_2))
            ]
            alert_id = connection.execute(
                insert(Alert.__table__)
                .values(
                    created_by="coordinator:coord-ac#9",
                    created_at=now,
                    incident_ref="Vakantietoezicht",
                    bin_ids=bin_ids,
                    messages={"nl": "Let op."},
                    urgent=False,
                    valid_from=now,
                    valid_until=now + timedelta(days=3),
                    status="awaiting_approval",
                )
                .returning(Alert.__table__.c.id)
            ).scalar_one()
        migrate.upgrade(db_url)
        with store.session() as s:
            parts = s.scalars(select(MessageApproval).order_by(MessageApproval.police_zone))
            assert [(p.alert_id, p.police_zone, p.status, p.validity_seconds) for p in parts] == [
                (alert_id, ZONE_1, "awaiting_approval", 3 * 86400),
                (alert_id, ZONE_2, "awaiting_approval", 3 * 86400),
            ]
    finally:
        store.dispose()


def test_the_pages_offer_each_zones_police_their_own_part_only(
    client: TestClient, world: World, store: Store, two_zone_coordinator: dict[str, str]
) -> None:
    _require_approval(client, world, ZONE_1, ZONE_2)
    message = _send(client, world, two_zone_coordinator)
    path = f"/api/v1/messages/{message['id']}"
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 200
    make_account(store, "agent@politie-brugge.example", Role.POLICE, police_zone=ZONE_1)
    make_account(store, "agent@police-liege.example", Role.POLICE, police_zone=ZONE_2)
    page = f"/messages/{message['id']}"

    assert page_sign_in(client, "agent@politie-brugge.example").status_code == 303
    assert 'id="approve"' not in client.get(page).text  # Brugge decided its part
    assert 'id="waiting"' not in client.get("/messages").text
    client.cookies.clear()

    assert page_sign_in(client, "agent@police-liege.example").status_code == 303
    assert (
        f'href="/messages/{message["id"]}"'
        in client.get("/messages").text.split('id="waiting"')[1].split("</ul>")[0]
    )
    html = client.get(page).text
    assert 'id="approve"' in html and "dispatch-101" not in html
    form = {"csrf_token": csrf_of(html)}
    assert client.post(f"{page}/approve", data=form, follow_redirects=False).status_code == 303
    assert world.members["cora"] in _called(store, message["id"])
