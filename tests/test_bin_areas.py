"""BIN areas and the BINs a place or route reaches (#23), on SQLite and PostgreSQL.

The layout is drawn in Lambert 2008 metres around Brugge, so every distance in a case is exact:
three 1 km squares side by side (A, B, C) and a fourth (D) whose lower-left corner lies
5 km east and 5 km north of A's."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Point, box
from sqlalchemy import select

from binalert.auth.schemas import Caller, Principal
from binalert.bins import areas, geo
from binalert.bins.schemas import TargetsIn
from binalert.errors import Invalid
from binalert.models import Bin, Role
from lab.demo import DEMO_BIN, DEMO_SMS_MEMBERS, seed_demo
from store.db import Store

ORIGIN = geo.to_metres(Point(3.2247, 51.2093))  # Brugge, Markt
X0, Y0 = ORIGIN.x, ORIGIN.y
SQUARES = {
    "A": (0, 0, 1000, 1000),
    "B": (1000, 0, 2000, 1000),
    "C": (2000, 0, 3000, 1000),
    "D": (5000, 5000, 6000, 6000),
}
ADMIN = Caller(Principal(None, "test", Role.ADMIN), "test")


def square(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    """A GeoJSON polygon (WGS84) of a square given in metres from the origin."""
    shape = geo.to_degrees(box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2))
    return {"type": "Polygon", "coordinates": [[list(p) for p in shape.exterior.coords]]}


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    point = geo.to_degrees(Point(X0 + dx, Y0 + dy))
    return point.x, point.y


def place(dx: float, dy: float, radius_m: int) -> TargetsIn:
    lon, lat = lonlat(dx, dy)
    return TargetsIn.model_validate({"place": {"lat": lat, "lon": lon, "radius_m": radius_m}})


def route(points: list[tuple[float, float]], width_m: int) -> TargetsIn:
    line = {"type": "LineString", "coordinates": [list(lonlat(*p)) for p in points]}
    return TargetsIn.model_validate({"route": {"line": line, "width_m": width_m}})


def add_layout(store: Store, zone: str = "Brugge") -> dict[str, int]:
    with store.session() as s:
        bins = {n: Bin(name=f"BIN {n}", municipality="Brugge", police_zone=zone) for n in SQUARES}
        s.add_all(bins.values())
        s.flush()
        for name, found in bins.items():
            areas.set_area(s, ADMIN, found.id, square(*SQUARES[name]))
        return {name: found.id for name, found in bins.items()}


CASES = [
    ("a point inside A", place(500, 500, 100), {"A"}),
    ("a point on A's western border", place(0, 500, 100), {"A"}),
    ("a point on the border of A and B", place(1000, 500, 100), {"A", "B"}),
    ("a point 150 m outside A, radius 100 m", place(-150, 500, 100), set()),
    ("a point 99 m outside A, radius 100 m", place(-99, 500, 100), {"A"}),
    ("a radius exactly reaching D's corner", place(4400, 4200, 1000), {"D"}),
    ("a radius 10 m short of D's corner", place(4394, 4192, 1000), set()),
    ("a corridor crossing A, B and C", route([(-500, 500), (3500, 500)], 100), {"A", "B", "C"}),
    ("a corridor 100 m north of A-C, 100 m wide", route([(-500, 1100), (3500, 1100)], 100), set()),
    (
        "a corridor 100 m north of A-C, 200 m wide",
        route([(-500, 1100), (3500, 1100)], 200),
        {"A", "B", "C"},
    ),
]


@pytest.mark.parametrize(("case", "where", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_place_or_route_reaches_exactly_the_bins_it_meets(
    store: Store, case: str, where: TargetsIn, expected: set[str]
) -> None:
    ids = add_layout(store)
    names = {bin_id: name for name, bin_id in ids.items()}
    with store.session() as s:
        found = areas.targets(s, ADMIN, where)
    assert {names[row.id] for row in found.bins} == expected, case


def test_an_edited_area_is_used_at_once_and_the_others_stay_cached(store: Store) -> None:
    ids = add_layout(store)
    inside_a = place(500, 500, 100)
    with store.session() as s:
        assert [row.id for row in areas.targets(s, ADMIN, inside_a).bins] == [ids["A"]]
        areas.set_area(s, ADMIN, ids["A"], square(5000, 0, 6000, 1000))  # A moves east
    with store.session() as s:
        assert areas.targets(s, ADMIN, inside_a).bins == []
        areas.clear_area(s, ADMIN, ids["D"])
        assert areas.targets(s, ADMIN, place(5500, 5500, 100)).bins == []


def test_police_see_only_their_zone_s_bins_and_the_members_who_would_be_called(
    store: Store,
) -> None:
    ids = add_layout(store)
    other = add_layout(store, zone="Gent")  # the same squares in another zone
    police = Caller(Principal(None, "dispatch", Role.POLICE, police_zone="Brugge"), "test")
    with store.session() as s:
        found = areas.targets(s, police, place(1000, 500, 100))
    assert {row.id for row in found.bins} == {ids["A"], ids["B"]}
    assert not {row.id for row in found.bins} & set(other.values())
    assert {row.police_zone for row in found.bins} == {"Brugge"}
    assert found.members == 0 and all(row.members == 0 for row in found.bins)


BAD_AREAS = [
    ("not a polygon", {"type": "Point", "coordinates": [3.2, 51.2]}, "Polygon"),
    (
        "an open ring",
        {
            "type": "Polygon",
            "coordinates": [[[3.2, 51.2], [3.21, 51.2], [3.21, 51.21], [3.2, 51.21]]],
        },
        "not closed",
    ),
    (
        "a bow tie",
        {
            "type": "Polygon",
            "coordinates": [[[3.2, 51.2], [3.21, 51.21], [3.21, 51.2], [3.2, 51.21], [3.2, 51.2]]],
        },
        "Self-intersection",
    ),
    (
        "outside Belgium",
        {
            "type": "Polygon",
            "coordinates": [[[2.3, 48.8], [2.31, 48.8], [2.31, 48.81], [2.3, 48.8]]],
        },
        "outside Belgium",
    ),
    (
        "lat and lon swapped",
        {
            "type": "Polygon",
            "coordinates": [[[51.2, 3.2], [51.21, 3.2], [51.21, 3.21], [51.2, 3.2]]],
        },
        "longitude first",
    ),
    ("a 10 m square", square(0, 0, 10, 10), "between 0.01 and 500"),
    ("a 30 km square", square(0, 0, 30_000, 30_000), "between 0.01 and 500"),
    ("text for a number", {"type": "Polygon", "coordinates": [[["3.2", 51.2]]]}, "in numbers"),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD_AREAS, ids=[c[0] for c in BAD_AREAS])
def test_a_bad_area_is_refused_with_a_clear_message(case: str, data: Any, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        geo.parse_area(data)
    assert message in refused.value.message, case


def test_a_refused_area_leaves_the_old_one(store: Store) -> None:
    ids = add_layout(store)
    with store.session() as s, pytest.raises(Invalid):
        areas.set_area(s, ADMIN, ids["A"], square(0, 0, 10, 10))
    with store.session() as s:
        kept = s.scalar(select(Bin.area_km2).where(Bin.id == ids["A"]))
    assert kept == pytest.approx(1.0, abs=0.001)


def test_the_demo_has_four_bins_with_areas_around_brugge_s_markt(store: Store) -> None:
    with store.session() as s:
        seed_demo(s)
        seed_demo(s)  # a second run finds them
    markt = TargetsIn.model_validate({"place": {"lat": 51.2093, "lon": 3.2247, "radius_m": 2000}})
    with store.session() as s:
        found = areas.targets(s, ADMIN, markt)
    assert found.bins[0].name == DEMO_BIN  # the place lies in it
    assert len(found.bins) == 4 and found.members == 17 + len(DEMO_SMS_MEMBERS) + 1  # + Anke
