"""A dispatch centre (CIC) acting for several zones (#23): its place reaches the BINs of all its
zones, and each zone's police still see only their own zone's deliveries (the cross-zone
rules of #13)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from binalert.errors import Invalid
from binalert.models import Role
from binalert.tokens import create_token
from store.db import Store
from tests.api.conftest import ZONE_1, ZONE_2, World
from tests.api.helpers import all_items
from tests.api.test_bin_areas import MESSAGE, _place, _put_areas


def _cic(store: Store) -> dict[str, str]:
    with store.session() as s:
        token = create_token(s, Role.POLICE, "cic-west", police_zone=ZONE_1, extra_zones=[ZONE_2])
    return {"Authorization": f"Bearer {token}"}


def _members(client: TestClient, headers: dict[str, str], alert_id: int) -> set[int]:
    rows = all_items(client, f"/api/v1/alerts/{alert_id}/deliveries", headers, 50)
    return {row["member_id"] for row in rows}


def test_a_dispatch_centre_alerts_a_place_across_its_zones_and_each_zone_sees_its_own(
    client: TestClient, world: World, store: Store
) -> None:
    _put_areas(client, world)
    cic = _cic(store)
    place = _place(1500, 500, 1000)  # A and B (zone 1), C (zone 2)
    dry = client.post("/api/v1/alerts/targets", json={"place": place}, headers=cic)
    assert {(r["id"], r["police_zone"]) for r in dry.json()["bins"]} == {
        (world.bin_a, ZONE_1),
        (world.bin_b, ZONE_1),
        (world.bin_c, ZONE_2),
    }
    body = {"incident_ref": "PV-CIC", "messages": MESSAGE, "place": place}
    created = client.post("/api/v1/alerts", json=body, headers=cic)
    assert created.status_code == 202, created.text
    alert_id = created.json()["id"]
    zone_1 = {world.members[m] for m in ("an", "both", "dieter")}
    assert _members(client, cic, alert_id) == zone_1 | {world.members["cora"]}
    assert _members(client, world.auth("police"), alert_id) == zone_1
    assert _members(client, world.auth("police2"), alert_id) == {world.members["cora"]}


def test_a_further_zone_must_exist_and_belongs_to_police_only(store: Store, world: World) -> None:
    with store.session() as s, pytest.raises(Invalid, match="no BIN in zone Gent"):
        create_token(s, Role.POLICE, "cic", police_zone=ZONE_1, extra_zones=["Gent"])
    with store.session() as s, pytest.raises(Invalid, match="only a police token"):
        create_token(s, Role.COORDINATOR, "c", [world.bin_a], extra_zones=[ZONE_2])
