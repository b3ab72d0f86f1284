"""Choosing BINs by place (#23): how long the dry run takes among 1,100 BIN areas (as many as
Belgium has BINs), on SQLite and PostgreSQL: the bounding-box query, shapely on the candidates,
the member counts (binalert.bins.areas.targets, as the API runs it).

The areas: 1,100 polygons of 32 corners (about 4 km² each) on a 2.5 km grid in central Belgium.
Cases:
    cold        the first place after a start: every candidate's area is read and prepared
    2 km        a place with the default radius (warm: the prepared areas are cached)
    10 km       a place with a 10 km radius (about 50 BINs)
    corridor    a 20 km route, 500 m wide
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable

import shapely
from shapely.geometry import Point

from bench.backends import on_each_backend
from binalert.auth.schemas import Caller, Principal
from binalert.bins import areas, geo
from binalert.bins.schemas import TargetsIn
from binalert.models import Bin, Role
from store.db import Store

AREAS = 1_100
PITCH_M = 2_500.0
COLUMNS = 34
START = (600_000.0, 620_000.0)  # Lambert 2008 metres, in Brabant
RUNS = 200
TARGET_MS = 50.0
ADMIN = Caller(Principal(None, "bench", Role.ADMIN), "bench")


def _seed(store: Store) -> None:
    with store.session() as s:
        for n in range(AREAS):
            x = START[0] + (n % COLUMNS) * PITCH_M
            y = START[1] + (n // COLUMNS) * PITCH_M
            shape = geo.to_degrees(Point(x, y).buffer(1_100, quad_segs=8))
            found = Bin(name=f"BIN {n}", municipality="Bench", police_zone=f"Zone {n % 40}")
            s.add(found)
            s.flush()
            areas.store_area(found, geo.parse_area(json.loads(shapely.to_geojson(shape))))


def _random_place(rng: random.Random, radius_m: int) -> TargetsIn:
    x = START[0] + rng.uniform(0, COLUMNS * PITCH_M)
    y = START[1] + rng.uniform(0, AREAS / COLUMNS * PITCH_M)
    point = geo.to_degrees(Point(x, y))
    return TargetsIn.model_validate(
        {"place": {"lat": point.y, "lon": point.x, "radius_m": radius_m}}
    )


def _random_route(rng: random.Random) -> TargetsIn:
    x = START[0] + rng.uniform(0, COLUMNS * PITCH_M - 20_000)
    y = START[1] + rng.uniform(0, AREAS / COLUMNS * PITCH_M - 10_000)
    points = [
        geo.to_degrees(Point(x + dx, y + dy))
        for dx, dy in ((0, 0), (12_000, 5_000), (18_000, 9_000))
    ]
    line = {"type": "LineString", "coordinates": [[p.x, p.y] for p in points]}
    return TargetsIn.model_validate({"route": {"line": line, "width_m": 500}})


def _time(store: Store, where: TargetsIn) -> tuple[float, int]:
    with store.session() as s:
        started = time.perf_counter()
        found = areas.targets(s, ADMIN, where)
        return (time.perf_counter() - started) * 1000, len(found.bins)


def _backend(name: str, store: Store, report: Callable[[str], None]) -> None:
    _seed(store)
    rng = random.Random(23)
    areas.GEOMETRIES = areas._Geometries()  # a fresh process: nothing prepared yet
    cold_ms, cold_bins = _time(store, _random_place(rng, 10_000))
    report(f"    {name:10} {'cold':9} {cold_ms:7.1f}  {'':6}  {cold_bins:5}")
    for label, make in (
        ("2 km", lambda: _random_place(rng, 2_000)),
        ("10 km", lambda: _random_place(rng, 10_000)),
        ("corridor", lambda: _random_route(rng)),
    ):
        _time(store, make())  # warm every area
        runs = [_time(store, make()) for _ in range(RUNS)]
        times = sorted(ms for ms, _ in runs)
        p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
        bins = statistics.median(count for _, count in runs)
        verdict = f"target {TARGET_MS:.0f}  {'ok' if p95 <= TARGET_MS else 'MISSED'}"
        report(f"    {name:10} {label:9} {p50:7.1f} {p95:7.1f}  {bins:5.0f}  {verdict}")


def main() -> None:
    print(
        f"areas: the BINs a place reaches among {AREAS} areas (ms, {RUNS} runs each, "
        "query + shapely + member counts)",
        flush=True,
    )
    print("    backend    case        p50 ms  p95 ms   BINs", flush=True)
    on_each_backend("areas", _backend)


if __name__ == "__main__":
    main()
