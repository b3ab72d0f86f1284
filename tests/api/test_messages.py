"""Messages (non-urgent, within calling hours, approved where the zone wants it), follow-ups on
an alert, zone settings and BIN calling hours, through the API on SQLite and PostgreSQL.

The clock is moved (binalert.clock.travel): Monday 30 November 2026, 22:00 in Brussels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from binalert.auth.schemas import Caller
from binalert.clock import Travel, travel, utcnow
from binalert.models import Alert, AuditLog, Delivery, Zone
from binalert.reports.service import bin_report
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import create_alert

NIGHT = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Monday 22:00 in Brussels
MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Brussels
AFTERNOON = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)  # Tuesday 14:00
HOLIDAY_WATCH = {"subject": "Vakantietoezicht", "template": {"kind": "holiday_watch"}}


@pytest.fixture
def night() -> Iterator[Travel]:
    with travel(NIGHT) as clock:
        yield clock


def send(client: TestClient, world: World, who: str, status: int = 202, **body: Any) -> Any:
    payload = {"bin_ids": [world.bin_a], **HOLIDAY_WATCH, **body}
    response = client.post("/api/v1/messages", json=payload, headers=world.auth(who))
    assert response.status_code == status, response.text
    return response.json()


def deliveries(store: Store, alert_id: int) -> list[Delivery]:
    with store.session() as s:
        query = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.member_id)
        return list(s.scalars(query))


def audit(store: Store, action: str) -> list[AuditLog]:
    with store.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


def require_approval(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/api/v1/zones/{ZONE_1}", json={"approval_required": True}, headers=world.auth("police")
    )
    assert response.status_code == 200, response.text


# -- sending a message ----------------------------------------------------------------------


def test_a_message_sent_at_22_starts_the_next_morning_and_says_when(
    client: TestClient, world: World, store: Store, night: Travel
) -> None:
    body = send(client, world, "coordinator")
    assert body["status"] == "active" and body["urgent"] is False
    assert body["calls_start"] == "calls start Tuesday 1 December at 09:00"
    assert datetime.fromisoformat(body["calls_from"]) == MORNING
    assert body["calls_from_local"].startswith("2026-12-01T09:00:00+01:00")
    assert body["template"] == "holiday_watch" and set(body["messages"]) == {"nl", "fr", "de", "en"}
    assert datetime.fromisoformat(body["valid_until"]) == MORNING + timedelta(days=3)
    assert datetime.fromisoformat(body["stats"]["estimate"]["all_tried_by"]) >= MORNING
    rows = deliveries(store, body["id"])
    members = world.members
    assert [d.member_id for d in rows] == [members["an"], members["both"], members["dieter"]]
    assert all(not d.urgent and d.next_attempt_at == MORNING for d in rows)
    assert all(d.bin_id == world.bin_a for d in rows)
    assert [d.language for d in rows] == ["nl", "fr", "de"]
    [entry] = audit(store, "message.create")
    assert entry.actor.startswith("coordinator:") and entry.detail["deliveries"] == 3
    again = client.get(f"/api/v1/messages/{body['id']}", headers=world.auth("coordinator"))
    assert again.json()["calls_start"] == "calls start Tuesday 1 December at 09:00"


def test_a_message_in_calling_hours_starts_at_once(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(AFTERNOON):
        body = send(client, world, "police")
    assert (
        AFTERNOON <= datetime.fromisoformat(body["calls_from"]) < AFTERNOON + timedelta(seconds=9)
    )
    assert body["calls_start"] == "calls started Tuesday 1 December at 14:00"


def test_each_member_keeps_the_hours_of_their_bin_that_opens_first(
    client: TestClient, world: World, store: Store, night: Travel
) -> None:
    hours = {"calling_start": "07:30", "calling_end": "08:30"}
    response = client.patch(
        f"/api/v1/bins/{world.bin_b}/calling-hours", json=hours, headers=world.auth("police")
    )
    assert response.status_code == 200, response.text
    body = send(client, world, "police", bin_ids=[world.bin_a, world.bin_b])
    opening_b = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert datetime.fromisoformat(body["calls_from"]) == opening_b
    by_member = {d.member_id: d for d in deliveries(store, body["id"])}
    both = by_member[world.members["both"]]
    assert both.bin_id == world.bin_b and both.next_attempt_at == opening_b
    assert by_member[world.members["an"]].next_attempt_at == MORNING


def test_a_non_urgent_alert_of_the_police_keeps_calling_hours_too(
    client: TestClient, world: World, store: Store, night: Travel
) -> None:
    alert = create_alert(client, world, urgent=False, valid_minutes=120)
    assert datetime.fromisoformat(alert["calls_from"]) == MORNING
    assert datetime.fromisoformat(alert["valid_until"]) == MORNING + timedelta(minutes=120)
    assert {d.next_attempt_at for d in deliveries(store, alert["id"])} == {MORNING}


def test_free_text_and_modus_operandi_templates(client: TestClient, world: World) -> None:
    free = send(
        client,
        world,
        "coordinator",
        template=None,
        messages={"nl": "Vergadering van het BIN op 5 december.", "fr": "Réunion du PLP."},
    )
    assert free["messages"] == {
        "nl": "Vergadering van het BIN op 5 december.",
        "fr": "Réunion du PLP.",
    }
    modus = {"kind": "modus_operandi", "modus": "fake_police_call", "area": "Sint-Kruis"}
    body = send(client, world, "coordinator", template=modus, languages=["fr", "nl"])
    assert list(body["messages"]) == ["fr", "nl"]
    assert "à Sint-Kruis" in body["messages"]["fr"] and "in Sint-Kruis" in body["messages"]["nl"]
    assert body["template"] == "modus_operandi:fake_police_call"
    send(client, world, "coordinator", 422, template={"kind": "modus_operandi", "modus": "x"})
    send(client, world, "coordinator", 422, messages={"nl": "twee bronnen"})


# -- who may send what ----------------------------------------------------------------------


def test_a_coordinator_cannot_message_another_bin_or_send_an_urgent_alert(
    client: TestClient, world: World, store: Store
) -> None:
    send(client, world, "coordinator", 403, bin_ids=[world.bin_b])
    send(client, world, "coordinator", 403, bin_ids=[world.bin_a, world.bin_c])
    send(client, world, "coordinator", 403, bin_ids=[999_999])
    send(client, world, "coordinator", 422, urgent=True)  # a message has no urgency to set
    payload = {
        "bin_ids": [world.bin_a],
        "incident_ref": "PV-1",
        "messages": {"nl": "Dringend"},
    }
    for urgent in (True, False):
        response = client.post(
            "/api/v1/alerts", json={**payload, "urgent": urgent}, headers=world.auth("coordinator")
        )
        assert response.status_code == 403, response.text
    with store.session() as s:
        assert s.scalar(select(Alert.id)) is None


def test_police_message_their_zone_only(client: TestClient, world: World) -> None:
    send(client, world, "police", bin_ids=[world.bin_a, world.bin_b])
    send(client, world, "police", 403, bin_ids=[world.bin_c])
    send(client, world, "police2", bin_ids=[world.bin_c])
    send(client, world, "none", 401)


# -- approval -------------------------------------------------------------------------------


def test_approval_required_holds_a_coordinators_message_until_the_police_approve(
    client: TestClient, world: World, store: Store, night: Travel
) -> None:
    require_approval(client, world)
    body = send(client, world, "coordinator")
    assert body["status"] == "awaiting_approval" and body["calls_from"] is None
    assert deliveries(store, body["id"]) == []
    police_own = send(client, world, "police")  # the police's own messages never wait
    assert police_own["status"] == "active"
    listed = client.get(
        "/api/v1/messages", params={"status": "awaiting_approval"}, headers=world.auth("police")
    )
    assert [m["id"] for m in listed.json()] == [body["id"]]

    path = f"/api/v1/messages/{body['id']}"
    assert client.post(f"{path}/approve", headers=world.auth("coordinator")).status_code == 403
    assert client.post(f"{path}/approve", headers=world.auth("police2")).status_code == 404
    assert client.post(f"{path}/reject", headers=world.auth("police2")).status_code == 404
    night.move_to(NIGHT + timedelta(hours=1))  # 23:00: approved, still held until 09:00
    approved = client.post(
        f"{path}/approve", json={"reason": "ok"}, headers=world.auth("police")
    ).json()
    assert approved["status"] == "active" and approved["decided_by"].startswith("police:")
    assert approved["calls_start"] == "calls start Tuesday 1 December at 09:00"
    assert len(deliveries(store, body["id"])) == 3
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 409
    [entry] = audit(store, "message.approve")
    assert entry.target == f"alert:{body['id']}" and entry.detail["reason"] == "ok"
    seen = client.get(path, headers=world.auth("coordinator")).json()
    assert seen["status"] == "active" and seen["decision_note"] == "ok"


def test_a_rejected_message_calls_nobody(client: TestClient, world: World, store: Store) -> None:
    require_approval(client, world)
    body = send(client, world, "coordinator")
    path = f"/api/v1/messages/{body['id']}"
    response = client.post(
        f"{path}/reject", json={"reason": "Niet nu"}, headers=world.auth("police")
    )
    assert response.status_code == 200, response.text
    rejected = client.get(path, headers=world.auth("coordinator")).json()
    assert rejected["status"] == "rejected" and rejected["decision_note"] == "Niet nu"
    assert deliveries(store, body["id"]) == []
    assert client.post(f"{path}/approve", headers=world.auth("police")).status_code == 409
    [entry] = audit(store, "message.reject")
    assert entry.detail["reason"] == "Niet nu"


def test_approval_in_another_zone_does_not_hold_this_one(client: TestClient, world: World) -> None:
    response = client.patch(
        "/api/v1/zones/Liège", json={"approval_required": True}, headers=world.auth("police2")
    )
    assert response.status_code == 200
    assert send(client, world, "coordinator")["status"] == "active"
    assert send(client, world, "coordinator_c", bin_ids=[world.bin_c])["status"] == (
        "awaiting_approval"
    )


# -- follow-ups -----------------------------------------------------------------------------


def _acknowledge(store: Store, alert_id: int, member_ids: list[int]) -> None:
    with store.session() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.alert_id == alert_id, Delivery.member_id.in_(member_ids))
            .values(status="acknowledged", acknowledged_at=utcnow(), digit="1")
        )


def test_feedback_to_acknowledgers_only(client: TestClient, world: World, store: Store) -> None:
    with travel(NIGHT) as clock:
        first = create_alert(client, world)
        members = world.members
        _acknowledge(store, first["id"], [members["both"]])
        with store.session() as s:  # an other member was put through to the police (3)
            s.execute(
                update(Delivery)
                .where(Delivery.alert_id == first["id"], Delivery.member_id == members["dieter"])
                .values(status="unacknowledged", transferred_at=utcnow())
            )
        clock.move_to(NIGHT + timedelta(hours=2))  # 00:00: the arrest, at night
        response = client.post(
            f"/api/v1/alerts/{first['id']}/feedback",
            json={"audience": "acknowledged", "template": "arrest_made"},
            headers=world.auth("police"),
        )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["parent_id"] == first["id"] and body["audience"] == "acknowledged"
    assert body["incident_ref"] == first["incident_ref"] and body["urgent"] is False
    assert body["calls_start"] == "calls start Tuesday 1 December at 09:00"
    assert set(body["messages"]) == {"nl", "fr", "de", "en"}
    assert "opgepakt" in body["messages"]["nl"] and "interpellé" in body["messages"]["fr"]
    rows = deliveries(store, body["id"])
    assert [(d.member_id, d.language) for d in rows] == [
        (members["both"], "fr"),
        (members["dieter"], "de"),
    ]
    assert all(d.next_attempt_at == MORNING for d in rows)
    [entry] = audit(store, "alert.feedback")
    assert entry.detail["parent_id"] == first["id"] and entry.detail["deliveries"] == 2

    links = client.get(f"/api/v1/alerts/{first['id']}/follow-ups", headers=world.auth("police"))
    assert [f["id"] for f in links.json()["follow_ups"]] == [body["id"]]
    back = client.get(f"/api/v1/alerts/{body['id']}/follow-ups", headers=world.auth("police"))
    assert back.json()["parent"]["id"] == first["id"]


def test_feedback_to_all_at_once_is_urgent(client: TestClient, world: World, store: Store) -> None:
    with travel(NIGHT):
        first = create_alert(client, world)
        response = client.post(
            f"/api/v1/alerts/{first['id']}/feedback",
            json={"template": "all_clear", "at_once": True, "languages": ["nl", "fr"]},
            headers=world.auth("police"),
        )
        assert response.status_code == 202, response.text
        body = response.json()
        rows = deliveries(store, body["id"])
        assert body["urgent"] is True and body["calls_from"] is None
        assert len(rows) == 3 and all(d.urgent for d in rows)
        assert all(NIGHT <= d.next_attempt_at < NIGHT + timedelta(seconds=9) for d in rows)
        assert {d.language for d in rows} == {"nl", "fr"}  # the German member hears nl


def test_feedback_refusals(client: TestClient, world: World, store: Store) -> None:
    first = create_alert(client, world)
    path = f"/api/v1/alerts/{first['id']}/feedback"
    thanks = {"template": "thanks"}
    assert client.post(path, json=thanks, headers=world.auth("coordinator")).status_code == 403
    assert client.post(path, json=thanks, headers=world.auth("police2")).status_code == 404
    nobody = {"template": "thanks", "audience": "acknowledged"}
    response = client.post(path, json=nobody, headers=world.auth("police"))
    assert response.status_code == 422 and "nobody to call" in response.json()["message"]
    both = {"template": "thanks", "messages": {"nl": "Dank u"}}
    assert client.post(path, json=both, headers=world.auth("police")).status_code == 422
    follow = client.post(path, json=thanks, headers=world.auth("police")).json()
    again = client.post(
        f"/api/v1/alerts/{follow['id']}/feedback", json=thanks, headers=world.auth("police")
    )
    assert again.status_code == 422
    with store.session() as s:
        assert len(list(s.scalars(select(Alert.id)))) == 2


def test_a_report_shows_the_follow_up_with_its_first_alert(
    client: TestClient, world: World, store: Store
) -> None:
    first = create_alert(client, world)
    other = create_alert(client, world, incident_ref="PV-2026-002")
    path = f"/api/v1/alerts/{first['id']}/feedback"
    follow = client.post(path, json={"template": "thanks"}, headers=world.auth("police")).json()
    with store.session() as s:
        report = bin_report(s, Caller.operator(), world.bin_a)
    rows = [(r.alert_id, r.parent_id) for r in report.alerts]
    assert rows == [(other["id"], None), (first["id"], None), (follow["id"], first["id"])]


# -- zone settings and calling hours --------------------------------------------------------


def test_zone_settings_by_its_police(client: TestClient, world: World, store: Store) -> None:
    path = f"/api/v1/zones/{ZONE_1}"
    assert client.get(path, headers=world.auth("coordinator")).json()["dispatch_number"] is None
    ok = client.patch(path, json={"dispatch_number": "050 44 88 44"}, headers=world.auth("police"))
    assert ok.status_code == 200 and ok.json()["dispatch_number"] == "+3250448844"
    for bad in ("101", "+1 212 555 0100", "0900 12 345", "not a number"):
        response = client.patch(path, json={"dispatch_number": bad}, headers=world.auth("police"))
        assert response.status_code == 422, bad
    for who, status in (("police2", 403), ("coordinator", 403), ("admin", 200)):
        response = client.patch(path, json={"approval_required": True}, headers=world.auth(who))
        assert response.status_code == status, who
    assert client.get(path, headers=world.auth("coordinator_c")).status_code == 404
    assert client.get("/api/v1/zones/Nowhere", headers=world.auth("admin")).status_code == 404
    cleared = client.patch(path, json={"dispatch_number": None}, headers=world.auth("police"))
    assert cleared.json()["dispatch_number"] is None and cleared.json()["approval_required"]
    with store.session() as s:
        zone = s.get(Zone, ZONE_1)
        assert zone is not None and zone.approval_required and zone.dispatch_number is None
    assert len(audit(store, "zone.update")) == 3


def test_press_3_on_messages_is_off_until_the_zones_police_turn_it_on(
    client: TestClient, world: World, store: Store
) -> None:
    path = f"/api/v1/zones/{ZONE_1}"
    assert client.get(path, headers=world.auth("coordinator")).json()["press3_on_messages"] is False
    for bad in ("true", 1, "yes"):  # a switch is a JSON true or false, nothing else
        response = client.patch(
            path, json={"press3_on_messages": bad}, headers=world.auth("police")
        )
        assert response.status_code == 422, bad
    for who, status in (("coordinator", 403), ("police2", 403), ("police", 200)):
        response = client.patch(path, json={"press3_on_messages": True}, headers=world.auth(who))
        assert response.status_code == status, who
    assert response.json()["press3_on_messages"] is True
    other = client.patch(path, json={"approval_required": True}, headers=world.auth("police"))
    assert other.json()["press3_on_messages"] is True  # untouched when not given
    with store.session() as s:
        zone = s.get(Zone, ZONE_1)
        assert zone is not None and zone.press3_on_messages
    assert audit(store, "zone.update")[0].detail == {"press3_on_messages": True}


def test_bin_calling_hours_by_coordinator_police_and_admin(
    client: TestClient, world: World, store: Store
) -> None:
    path = f"/api/v1/bins/{world.bin_a}/calling-hours"
    assert client.get(path, headers=world.auth("coordinator")).json() == {
        "bin_id": world.bin_a,
        "calling_start": "09:00",
        "calling_end": "20:00",
        "call_on_sundays": False,
        "call_on_holidays": False,
    }
    change = {"calling_start": "10:00", "call_on_sundays": True}
    for who, status in (("coordinator", 200), ("police", 200), ("admin", 200), ("police2", 404)):
        response = client.patch(path, json=change, headers=world.auth(who))
        assert response.status_code == status, who
    other = f"/api/v1/bins/{world.bin_b}/calling-hours"
    assert client.patch(other, json=change, headers=world.auth("coordinator")).status_code == 404
    for bad in ({"calling_start": "21:00"}, {"calling_end": "24:00"}, {"calling_start": "9h"}):
        assert client.patch(path, json=bad, headers=world.auth("coordinator")).status_code == 422
    found = client.get(path, headers=world.auth("police")).json()
    assert found["calling_start"] == "10:00" and found["call_on_sundays"] is True
    assert len(audit(store, "bin.calling_hours")) == 3


def test_a_message_and_a_follow_up_sent_twice_with_one_key_are_stored_once(
    client: TestClient, world: World, store: Store
) -> None:
    with travel(NIGHT):
        first = create_alert(client, world)
        sends = [
            ("/api/v1/messages", {"bin_ids": [world.bin_a], **HOLIDAY_WATCH}, "message-7"),
            (f"/api/v1/alerts/{first['id']}/feedback", {"template": "all_clear"}, "follow-7"),
        ]
        for path, body, key in sends:
            headers = world.auth("police") | {"Idempotency-Key": key}
            once, again = (client.post(path, json=body, headers=headers) for _ in range(2))
            assert (once.status_code, again.status_code) == (202, 202), again.text
            assert "Idempotent-Replayed" not in once.headers
            assert again.headers["Idempotent-Replayed"] == "true"
            assert again.json()["id"] == once.json()["id"]
            assert len(deliveries(store, once.json()["id"])) == len(deliveries(store, first["id"]))
