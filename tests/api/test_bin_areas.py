"""BIN areas over the API, and alerts sent to a place or route (#23), on SQLite and PostgreSQL.

bin_a and bin_b (zone Brugge) get the squares A and B of tests/test_bin_areas.py, bin_c (zone
Liège, for the test) the square C beside them: a place can reach BINs of two zones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from api.app import create_app
from binalert.models import Alert, Delivery
from binalert.reports.service import bin_report
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import World, api_settings
from tests.test_bin_areas import ADMIN, lonlat, square

MESSAGE = {"nl": "Verdachte wagen gezien."}


def _put_areas(client: TestClient, world: World) -> None:
    for bin_id, name in ((world.bin_a, "A"), (world.bin_b, "B"), (world.bin_c, "C")):
        sides = {"A": (0, 0, 1000, 1000), "B": (1000, 0, 2000, 1000), "C": (2000, 0, 3000, 1000)}
        response = client.put(
            f"/api/v1/bins/{bin_id}/area", json=square(*sides[name]), headers=world.auth("admin")
        )
        assert response.status_code == 200, response.text


def _place(dx: float, dy: float, radius_m: int) -> dict[str, Any]:
    lon, lat = lonlat(dx, dy)
    return {"lat": lat, "lon": lon, "radius_m": radius_m}


def _alerts(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(Alert.id))) or 0)


def test_a_coordinator_sets_the_area_of_their_own_bin_only(
    client: TestClient, world: World
) -> None:
    area = square(0, 0, 1000, 1000)
    own = client.put(
        f"/api/v1/bins/{world.bin_a}/area", json=area, headers=world.auth("coordinator")
    )
    assert own.status_code == 200, own.text
    assert own.json()["km2"] == pytest.approx(1.0, abs=0.001)
    shown = client.get(f"/api/v1/bins/{world.bin_a}/area", headers=world.auth("police"))
    assert shown.json()["area"] == area
    other = client.put(
        f"/api/v1/bins/{world.bin_b}/area", json=area, headers=world.auth("coordinator")
    )
    assert other.status_code == 404
    police = client.put(f"/api/v1/bins/{world.bin_a}/area", json=area, headers=world.auth("police"))
    assert police.status_code == 403


def test_a_malformed_area_is_refused_and_the_old_one_kept(client: TestClient, world: World) -> None:
    _put_areas(client, world)
    ring = square(0, 0, 1000, 1000)["coordinates"][0][:-1]  # not closed
    refused = client.put(
        f"/api/v1/bins/{world.bin_a}/area",
        json={"type": "Polygon", "coordinates": [ring]},
        headers=world.auth("admin"),
    )
    assert refused.status_code == 422
    assert "not closed" in refused.json()["message"]
    kept = client.get(f"/api/v1/bins/{world.bin_a}/area", headers=world.auth("admin")).json()
    assert kept["area"] == square(0, 0, 1000, 1000)


def _feature(properties: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_an_import_stores_every_area_or_none_with_an_error_per_feature(
    client: TestClient, world: World
) -> None:
    good = [
        _feature({"bin_id": world.bin_a}, square(0, 0, 1000, 1000)),
        _feature({"name": "bin assebroek"}, square(1000, 0, 2000, 1000)),  # by name
        _feature({"name": "PLP Cointe"}, square(2000, 0, 3000, 1000)),
    ]
    bad = [
        good[0],
        _feature({"name": "BIN Nergens"}, square(1000, 0, 2000, 1000)),
        _feature({"bin_id": world.bin_c}, square(0, 0, 10, 10)),
    ]
    refused = client.post(
        "/api/v1/bins/areas/import",
        json={"type": "FeatureCollection", "features": bad},
        headers=world.auth("admin"),
    )
    assert refused.status_code == 422
    details = refused.json()["details"]
    assert [d["feature"] for d in details] == [2, 3]
    assert "BIN Nergens" in details[0]["message"] and "km²" in details[1]["message"]
    listed = client.get("/api/v1/bins/areas", headers=world.auth("admin")).json()
    assert listed == []  # nothing stored, not even the good first feature
    imported = client.post(
        "/api/v1/bins/areas/import",
        json={"type": "FeatureCollection", "features": good},
        headers=world.auth("admin"),
    )
    assert imported.status_code == 200, imported.text
    ids = [a["bin_id"] for a in imported.json()["imported"]]
    assert ids == [world.bin_a, world.bin_b, world.bin_c]
    coordinator = client.post(
        "/api/v1/bins/areas/import",
        json={"type": "FeatureCollection", "features": good},
        headers=world.auth("coordinator"),
    )
    assert coordinator.status_code == 422  # two of the BINs are not theirs


def test_the_dry_run_shows_the_zone_s_bins_a_place_reaches_with_their_members(
    client: TestClient, world: World, store: Store
) -> None:
    _put_areas(client, world)
    where = {"place": _place(1500, 500, 1000)}  # reaches A, B and C
    police = client.post("/api/v1/alerts/targets", json=where, headers=world.auth("police"))
    assert police.status_code == 200, police.text
    rows = police.json()["bins"]
    assert [(r["id"], r["members"], r["police_zone"]) for r in rows] == [
        (world.bin_b, 1, "Brugge"),  # the place lies inside B: nearest first
        (world.bin_a, 3, "Brugge"),
    ]
    assert police.json()["members"] == 3  # Bernard is in both BINs: called once
    admin = client.post("/api/v1/alerts/targets", json=where, headers=world.auth("admin"))
    assert {r["id"] for r in admin.json()["bins"]} == {world.bin_a, world.bin_b, world.bin_c}
    coordinator = client.post(
        "/api/v1/alerts/targets", json=where, headers=world.auth("coordinator")
    )
    assert coordinator.status_code == 403
    assert _alerts(store) == 0


def test_an_alert_to_a_place_calls_the_members_of_the_bins_it_reaches_less_the_excluded(
    client: TestClient, world: World, store: Store
) -> None:
    _put_areas(client, world)
    place = _place(1500, 500, 1000)
    body = {
        "incident_ref": "PV-23",
        "messages": MESSAGE,
        "place": place,
        "exclude_bin_ids": [world.bin_a],
    }
    created = client.post("/api/v1/alerts", json=body, headers=world.auth("police"))
    assert created.status_code == 202, created.text
    alert = created.json()
    assert alert["bin_ids"] == [world.bin_b]  # C is Liège's; A was excluded
    assert alert["place"] == place and alert["route"] is None
    with store.session() as s:
        called = set(s.scalars(select(Delivery.member_id).where(Delivery.alert_id == alert["id"])))
    assert called == {world.members["both"]}
    shown = client.get(f"/api/v1/alerts/{alert['id']}", headers=world.auth("police")).json()
    assert shown["place"] == place
    with store.session() as s:  # the BIN's report names the place
        row = bin_report(s, ADMIN, world.bin_b).alerts[0]
    assert row.place == f"{place['lat']:.5f}, {place['lon']:.5f} ± 1000 m"


def test_an_alert_along_a_route_calls_every_bin_the_corridor_crosses(
    client: TestClient, world: World, store: Store
) -> None:
    _put_areas(client, world)
    line = {"type": "LineString", "coordinates": [list(lonlat(-500, 500)), list(lonlat(3500, 500))]}
    body = {"incident_ref": "PV-24", "messages": MESSAGE, "route": {"line": line, "width_m": 100}}
    created = client.post("/api/v1/alerts", json=body, headers=world.auth("admin"))
    assert created.status_code == 202, created.text
    assert created.json()["bin_ids"] == sorted([world.bin_a, world.bin_b, world.bin_c])
    assert created.json()["route"]["width_m"] == 100
    with store.session() as s:
        called = set(s.scalars(select(Delivery.member_id)))
    assert called == {world.members[m] for m in ("an", "both", "dieter", "cora")}


BAD_PLACES = [
    ("a point outside Belgium", {"place": {"lat": 48.85, "lon": 2.35}}, "outside Belgium"),
    ("a radius of 0", {"place": {"lat": 51.2, "lon": 3.22, "radius_m": 0}}, "radius_m"),
    ("a radius of 200 km", {"place": {"lat": 51.2, "lon": 3.22, "radius_m": 200_000}}, "radius_m"),
    ("a place without latitude", {"place": {"lon": 3.22}}, "lat"),
    (
        "a line with one point",
        {"route": {"line": {"type": "LineString", "coordinates": [[3.22, 51.2]]}}},
        "coordinates",
    ),
    (
        "a line of one point twice",
        {"route": {"line": {"type": "LineString", "coordinates": [[3.22, 51.2], [3.22, 51.2]]}}},
        "two different points",
    ),
    (
        "a polygon for a line",
        {"route": {"line": {"type": "Polygon", "coordinates": [[[3.22, 51.2]]]}}},
        "LineString",
    ),
    ("nothing to call", {}, "bin_ids, a place or a route"),
]


@pytest.mark.parametrize(("case", "where", "message"), BAD_PLACES, ids=[c[0] for c in BAD_PLACES])
def test_a_bad_place_or_route_is_refused_and_nothing_is_sent(
    client: TestClient, world: World, store: Store, case: str, where: dict[str, Any], message: str
) -> None:
    _put_areas(client, world)
    body = {"incident_ref": "PV-25", "messages": MESSAGE, **where}
    refused = client.post("/api/v1/alerts", json=body, headers=world.auth("police"))
    assert refused.status_code == 422, case
    assert message in refused.text, refused.text
    assert _alerts(store) == 0


def test_a_place_that_reaches_no_bin_of_the_zone_sends_nothing(
    client: TestClient, world: World, store: Store
) -> None:
    _put_areas(client, world)
    body = {"incident_ref": "PV-26", "messages": MESSAGE, "place": _place(2500, 500, 100)}
    refused = client.post("/api/v1/alerts", json=body, headers=world.auth("police"))
    assert refused.status_code == 422  # only Liège's C lies there
    assert "no BIN" in refused.json()["message"]
    assert _alerts(store) == 0


def test_the_pages_allow_images_from_the_tile_server_only(store: Store, tmp_path: Path) -> None:
    tiles = "https://{s}.tiles.example.be/{z}/{x}/{y}.png"
    runtime = Runtime(settings=api_settings(store, tmp_path, map_tiles_url=tiles), store=store)
    with TestClient(create_app(runtime)) as client:
        policy = client.get("/signin").headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tiles.example.be;" in policy
    assert "script-src 'self';" in policy  # no inline script for the map either
    for bad in ("http://tiles.example.be/{z}/{x}/{y}.png", "https://a;script-src *;/x.png"):
        with pytest.raises(ValidationError):
            api_settings(store, tmp_path, map_tiles_url=bad)
