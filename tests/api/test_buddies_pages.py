"""Buddies on the pages and in the API (#24): a member offers by their neighbour's number
on their own page (the same answer for a stranger's number), the neighbour agrees on
theirs and sees the buddy's first name and street, nothing more; a coordinator lists,
proposes and ends their BIN's links, not another BIN's; the police read an alert's relays."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.web import member_session
from api.web.signing import sign
from binalert.models import Member, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import World, add_member
from tests.api.helpers import csrf_of, make_account, page_sign_in


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    """SQLite only: the store tests (tests/test_buddies_store.py) run the relay on PostgreSQL."""
    return sqlite_store


def _as_member(client: TestClient, runtime: Runtime, member_id: int) -> str:
    """The member's own cookie (as their link or code would set it); the page's CSRF token."""
    value = sign(runtime.settings, member_session.PURPOSE, {"m": member_id})
    client.cookies.set(member_session.COOKIE, value)
    page = client.get("/me/buddies")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def test_a_neighbour_agrees_on_their_page_and_sees_first_name_and_street_only(
    client: TestClient, runtime: Runtime, store: Store, world: World
) -> None:
    assert client.get("/me/buddies", follow_redirects=False).headers["location"] == "/me"
    anna = add_member(store, [world.bin_a], "Anna Janssens", "+3250111222", street="Kerkstraat")
    with store.session() as s:
        s.execute(
            update(Member)
            .where(Member.id == world.members["an"])
            .values(street="Molenstraat", name="An Peeters")
        )
    csrf = _as_member(client, runtime, world.members["an"])
    answers = []
    for number in ("050 11 12 22", "0470 99 88 77"):  # Anna's, and nobody's
        sent = client.post("/me/buddies/offer", data={"csrf_token": csrf, "phone": number})
        assert sent.status_code == 200
        answers.append(sent.text.replace(csrf, ""))
    assert answers[0] == answers[1]  # the same page: it never tells who is a member
    assert "Anna" not in answers[0]
    bad = client.post("/me/buddies/offer", data={"csrf_token": csrf, "phone": "12"})
    assert bad.status_code == 422 and "not a phone number" in bad.text

    csrf = _as_member(client, runtime, anna)
    page = client.get("/me/buddies").text
    assert "An, Molenstraat" in page and "Peeters" not in page and "050 12" not in page
    link_id = page.split('id="confirm-')[1].split('"')[0]
    agreed = client.post(f"/me/buddies/{link_id}/confirm", data={"csrf_token": csrf})
    assert agreed.status_code == 200 and f'id="end-{link_id}"' in agreed.text

    _as_member(client, runtime, world.members["an"])
    mine = client.get("/me/buddies").text
    assert "Anna, Kerkstraat" in mine
    for private in ("Janssens", "050 11 12 22", "+3250111222"):
        assert private not in mine
    other = client.post(f"/me/buddies/{int(link_id) + 99}/end", data={"csrf_token": csrf_of(mine)})
    assert other.status_code == 422  # not theirs: "that link does not exist any more"


def test_a_coordinator_proposes_and_ends_links_of_their_bin_only(
    client: TestClient, world: World
) -> None:
    coordinator = world.auth("coordinator")
    pair = {"buddy_id": world.members["an"], "neighbour_id": world.members["dieter"]}
    made = client.post(f"/api/v1/bins/{world.bin_a}/buddies", json=pair, headers=coordinator)
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "awaiting_both"
    again = client.post(f"/api/v1/bins/{world.bin_a}/buddies", json=pair, headers=coordinator)
    assert again.status_code == 409
    other = world.auth("coordinator_c")
    assert client.get(f"/api/v1/bins/{world.bin_a}/buddies", headers=other).status_code == 404
    assert client.delete(f"/api/v1/buddies/{made.json()['id']}", headers=other).status_code == 404
    listed = client.get(f"/api/v1/bins/{world.bin_a}/buddies", headers=coordinator).json()
    assert [link["neighbour_name"] for link in listed] == ["Dieter"]
    gone = client.delete(f"/api/v1/buddies/{made.json()['id']}", headers=coordinator)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/bins/{world.bin_a}/buddies", headers=coordinator).json() == []
    police = world.auth("police")
    assert client.get("/api/v1/alerts/999/neighbours", headers=police).status_code == 404


def test_the_coordinators_page_proposes_a_pair_and_ends_it(
    client: TestClient, store: Store, world: World
) -> None:
    make_account(store, "coord@web.example", Role.COORDINATOR, bin_ids=[world.bin_a])
    assert page_sign_in(client, "coord@web.example").status_code == 303
    shown = client.get(f"/bins/{world.bin_a}/buddies")
    assert shown.status_code == 200 and 'id="no-links"' in shown.text
    pair = {"buddy_id": world.members["an"], "neighbour_id": world.members["dieter"]}
    proposed = client.post(
        f"/bins/{world.bin_a}/buddies", data=pair | {"csrf_token": csrf_of(shown.text)}
    )
    assert proposed.status_code == 200 and 'data-state="awaiting_both"' in proposed.text
    assert "Dieter" in proposed.text
    link_id = proposed.text.split('id="buddy-link-')[1].split('"')[0]
    ended = client.post(
        f"/bins/{world.bin_a}/buddies/{link_id}/end", data={"csrf_token": csrf_of(proposed.text)}
    )
    assert ended.status_code == 200 and 'id="no-links"' in ended.text
    assert client.get(f"/bins/{world.bin_c}/buddies").status_code == 404  # not their BIN
