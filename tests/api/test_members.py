"""BINs and members: phone notations, CSV import (all or nothing) and export, GDPR erase."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.members import csvio
from binalert.models import Delivery, Member
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import all_items, create_alert


def post_member(client: TestClient, world: World, phone: str, **extra: object) -> dict:
    body = {"name": "Marie", "phone": phone, "language": "fr"} | extra
    return (
        client.post(
            f"/api/v1/bins/{world.bin_a}/members", json=body, headers=world.auth("coordinator")
        ).json()
        | {}
    )


@pytest.mark.parametrize(
    ("given", "e164", "kind"),
    [
        ("03/210.40.00", "+3232104000", "landline"),
        ("0477/77.77.55", "+32477777755", "mobile"),
        ("+32(0)50 12 34 99", "+3250123499", "landline"),
        ("0032 2 511 22 33", "+3225112233", "landline"),
    ],
)
def test_phone_notations_are_stored_e164(
    client: TestClient, world: World, given: str, e164: str, kind: str
) -> None:
    member = post_member(client, world, given)
    assert member["phone"] == e164 and member["phone_kind"] == kind
    assert member["bin_ids"] == [world.bin_a]


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("0900 12 345", "premium"),
        ("0800 12 345", "toll-free"),
        ("078 15 15 15", "universal access"),
        ("101", "not a valid"),
        ("hello", "not a phone number"),
    ],
)
def test_bad_phones_are_refused_with_a_reason(
    client: TestClient, world: World, given: str, reason: str
) -> None:
    response = client.post(
        f"/api/v1/bins/{world.bin_a}/members",
        json={"name": "X", "phone": given},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422
    assert reason in response.json()["message"], response.json()


def test_duplicate_phone_in_a_bin_is_409(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/v1/bins/{world.bin_a}/members",
        json={"name": "Again", "phone": "050 12 34 56"},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 409


def test_patch_member(client: TestClient, world: World) -> None:
    path = f"/api/v1/members/{world.members['an']}"
    response = client.patch(
        path,
        json={"phone": "0470 12 34 00", "language": "en", "active": False},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["phone_kind"], body["language"], body["active"]) == (
        "+32470123400",
        "mobile",
        "en",
        False,
    )
    assert (
        client.patch(path, json={"language": "es"}, headers=world.auth("admin")).status_code == 422
    )


def test_bins_create_patch_and_page(client: TestClient, world: World) -> None:
    admin = world.auth("admin")
    for n in range(5):
        created = client.post(
            "/api/v1/bins",
            json={"name": f"BIN {n}", "municipality": "Eupen", "police_zone": "Weser-Göhl"},
            headers=admin,
        )
        assert created.status_code == 201 and created.json()["id"]
    items = all_items(client, "/api/v1/bins", admin, limit=3)
    assert len(items) == 8 and items == sorted(items, key=lambda b: b["id"])
    patched = client.patch(
        f"/api/v1/bins/{world.bin_a}", json={"municipality": "Brugge-Oost"}, headers=admin
    )
    assert patched.json()["municipality"] == "Brugge-Oost"
    assert patched.json()["name"] == "BIN Sint-Kruis"


def upload(client: TestClient, world: World, text: str, who: str = "coordinator") -> httpx.Response:
    files = {"file": ("members.csv", text.encode(), "text/csv")}
    return client.post(
        f"/api/v1/bins/{world.bin_a}/members/import", files=files, headers=world.auth(who)
    )


def member_count(store: Store) -> int:
    with store.session() as s:
        return len(s.scalars(select(Member.id)).all())


def test_csv_import_with_a_bad_row_imports_nothing(
    client: TestClient, world: World, store: Store
) -> None:
    before = member_count(store)
    text = (
        "name;phone;second_phone;language\n"
        "Jan;050 11 22 33;;nl\n"
        "Kaat;0900 11 22 33;;nl\n"
        "Luc;050 11 22 34;;es\n"
        ";050 11 22 35;;nl\n"
        "Mia;050 11 22 33;;nl\n"
    )
    response = upload(client, world, text)
    assert response.status_code == 422
    error = response.json()
    assert "nothing was imported" in error["message"]
    by_row = {(d["row"], d["field"]) for d in error["details"]}
    assert by_row == {(3, "phone"), (4, "language"), (5, "name"), (6, "phone")}
    assert member_count(store) == before


def test_csv_import_and_export_round_trip(client: TestClient, world: World, store: Store) -> None:
    text = (
        "name,phone,second_phone,language\n"
        "Jan,050 11 22 33,0470 11 22 33,nl\n"
        "Élise,04 222 33 44,,fr\n"
    )
    response = upload(client, world, text)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
    exported = client.get(
        f"/api/v1/bins/{world.bin_a}/members/export", headers=world.auth("coordinator")
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    by_name = {r["name"]: r for r in rows}
    assert by_name["Jan"]["second_phone"] == "'+32470112233"  # text in a spreadsheet
    assert by_name["Élise"]["phone"] == "'+3242223344"
    assert len(rows) == 6  # four from the world (one inactive) and two imported
    reread = {m.name: m for m in csvio.parse(exported.content, known_phones=set())}
    assert reread["Jan"].second_phone == "+32470112233"  # the export imports again
    again = upload(client, world, text)
    assert again.status_code == 422  # already members


def test_exported_cells_never_start_a_formula(client: TestClient, world: World) -> None:
    names = ('=HYPERLINK("http://x")', "@SUM(A1)", "-2+3", "+cmd")
    for i, name in enumerate(names):
        assert post_member(client, world, f"050 44 55 6{i}", name=name).get("id"), name
    exported = client.get(
        f"/api/v1/bins/{world.bin_a}/members/export", headers=world.auth("coordinator")
    )
    cells = [cell for row in csv.reader(io.StringIO(exported.text)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells


@pytest.mark.parametrize(
    "text", ["", "foo,bar\n1,2\n", "name,phone\n", "name,phone\nA,050 11 22 33,extra\n"]
)
def test_csv_import_malformed(client: TestClient, world: World, text: str) -> None:
    assert upload(client, world, text).status_code == 422


def test_csv_import_refuses_non_utf8(client: TestClient, world: World) -> None:
    files = {"file": ("members.csv", b"name,phone\nJ\xe9r\xf4me,050 11 22 33\n", "text/csv")}
    response = client.post(
        f"/api/v1/bins/{world.bin_a}/members/import", files=files, headers=world.auth("admin")
    )
    assert response.status_code == 422 and "UTF-8" in response.json()["message"]


def test_gdpr_erase_keeps_anonymous_outcomes(
    client: TestClient, world: World, store: Store
) -> None:
    alert = create_alert(client, world)
    member_id = world.members["an"]
    response = client.delete(f"/api/v1/members/{member_id}", headers=world.auth("coordinator"))
    assert response.status_code == 204
    assert (
        client.get(f"/api/v1/members/{member_id}", headers=world.auth("admin")).status_code == 404
    )
    with store.session() as s:
        assert s.get(Member, member_id) is None
        rows = s.scalars(select(Delivery).where(Delivery.alert_id == alert["id"])).all()
    assert len(rows) == 3
    assert sorted((d.member_id is None) for d in rows) == [False, False, True]
    [erased] = [d for d in rows if d.member_id is None]
    assert erased.status == "cancelled" and erased.phones == []  # never dialled, no number kept
    detail = client.get(f"/api/v1/alerts/{alert['id']}", headers=world.auth("police")).json()
    assert detail["stats"]["deliveries"] == 3


def test_a_member_erased_during_a_call_is_not_called_again(
    client: TestClient, world: World, store: Store
) -> None:
    from binalert.clock import utcnow
    from binalert.deliveries import lifecycle
    from binalert.deliveries.policy import RetryPolicy
    from binalert.models import CallOutcome
    from ivr import wire

    alert = create_alert(client, world)
    options = lifecycle.ClaimOptions("w", "pbx1", wire.call_id, 300)
    with store.session() as s:
        calls = lifecycle.claim_due(s, utcnow(), 10, options)
    member_id = world.members["an"]
    with store.session() as s:
        ringing = next(
            c
            for c in calls
            if s.get(Delivery, c.delivery_id).member_id == member_id  # type: ignore[union-attr]
        )
    assert (
        client.delete(f"/api/v1/members/{member_id}", headers=world.auth("coordinator")).status_code
        == 204
    )
    with store.session() as s:
        lifecycle.finish_call(
            s, ringing.channel_id, CallOutcome.BUSY, utcnow(), RetryPolicy(3, (1,))
        )
    with store.session() as s:
        row = s.get(Delivery, ringing.delivery_id)
        assert row is not None and row.status == "cancelled" and row.phones == []
    assert alert["id"]


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1850-06-01T12:00:00Z"],
)
def test_an_opt_in_date_at_the_edge_of_the_calendar_is_refused_not_a_500(
    client: TestClient, world: World, when: str
) -> None:
    response = client.post(
        f"/api/v1/bins/{world.bin_a}/members",
        json={"name": "X", "phone": "050 12 34 77", "opt_in_at": when},
        headers=world.auth("coordinator"),
    )
    assert response.status_code == 422, response.text
    assert "opt_in_at" in response.text


def test_a_database_error_does_not_show_its_parameters(store: Store) -> None:
    """A failing statement's error (which reaches the logs) names no phone number."""
    from sqlalchemy.exc import IntegrityError

    from binalert.models import Member

    with pytest.raises(IntegrityError) as raised, store.session() as s:
        s.add(Member(name="Marie Peeters", phone="+3250999111", language="fr"))
        s.add(Member(id=1, name="Marie Peeters", phone="+3250999111", language="fr"))
        s.add(Member(id=1, name="Jan Janssens", phone="+3250999222", language="nl"))
        s.flush()
    text = str(raised.value)
    assert "+3250999" not in text and "Peeters" not in text and "Janssens" not in text


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+2", "'=1+2"), ("+3250", "'+3250"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Jan", "Jan"), ("'quoted", "'quoted"), (None, ""), (3, "3")],
)  # fmt: skip
def test_csv_cells_are_neutralised_and_read_back(value: object, cell: str) -> None:
    from binalert.text import csv_cell, from_csv_cell

    assert csv_cell(value) == cell
    assert from_csv_cell(cell) == ("" if value is None else str(value))
