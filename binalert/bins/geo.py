"""BIN areas and places on the map, as pure geometry: GeoJSON in WGS84 (longitude, latitude),
checked with shapely and measured in metres in Belgian Lambert 2008 (EPSG:3812, pyproj).

"Inside Belgium" is Belgium's bounding box (2.54-6.41 E, 49.50-51.51 N) with a margin of about
5 km, not its outline: cheap, never refuses a border BIN, and still refuses a swapped lat/lon
or a point in the sea off Spain."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.validation import explain_validity

from binalert.errors import Invalid

# lon/lat: Belgium's extent plus ~0.07 degrees (about 5 km) on each side
BELGIUM = (2.47, 49.43, 6.48, 51.58)
MIN_KM2, MAX_KM2 = 0.01, 500.0
MAX_POINTS = 5000  # per area: a municipality's detailed border fits, a stranger's megabyte not
MIN_RADIUS_M, MAX_RADIUS_M, DEFAULT_RADIUS_M = 100, 50_000, 2000
MIN_WIDTH_M, MAX_WIDTH_M, DEFAULT_WIDTH_M = 20, 10_000, 500
MAX_LINE_POINTS = 500
MAX_LINE_KM = 300.0
# Coordinates carry about 1 cm; a place exactly on a border (or a circle through a corner)
# must not fall out through rounding in the projection.
TOLERANCE_M = 0.5


@lru_cache(maxsize=1)
def _to_lambert() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True)


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:3812", "EPSG:4326", always_xy=True)


def _with(transformer: Transformer, geometry: Any) -> Any:
    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def to_metres(geometry: Any) -> Any:
    """A WGS84 (lon, lat) geometry in Lambert 2008 metres."""
    return _with(_to_lambert(), geometry)


def to_degrees(geometry: Any) -> Any:
    """A Lambert 2008 geometry back in WGS84 (lon, lat)."""
    return _with(_to_wgs84(), geometry)


def in_belgium(lon: float, lat: float) -> bool:
    west, south, east, north = BELGIUM
    return west <= lon <= east and south <= lat <= north  # False for NaN too


@dataclass(frozen=True)
class Area:
    """A checked BIN area: its GeoJSON (WGS84), bounding box in metres and size."""

    geojson: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    km2: float


def _position(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or not 2 <= len(value) <= 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise Invalid(f"{where}: a position is [longitude, latitude] in numbers")
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise Invalid(f"{where}: a position is [longitude, latitude] in numbers")
    if not in_belgium(lon, lat):
        raise Invalid(
            f"{where}: the point ({lon}, {lat}) lies outside Belgium "
            "(GeoJSON gives longitude first, then latitude, in WGS84)"
        )
    return lon, lat


def _ring(value: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise Invalid(f"{where}: a ring is a list of positions")
    points = [_position(p, where) for p in value]
    if len(points) < 4:
        raise Invalid(f"{where}: a ring needs at least 4 positions (3 corners and the first again)")
    if points[0] != points[-1]:
        raise Invalid(f"{where}: the ring is not closed (its last position must equal its first)")
    return points


def _polygon(value: Any, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list) or not value:
        raise Invalid(f"{where}: a polygon is a list of rings (the outer ring first)")
    return [_ring(ring, f"{where}, ring {n + 1}") for n, ring in enumerate(value)]


def _geometry_of(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise Invalid("an area is a GeoJSON Polygon or MultiPolygon (or a Feature with one)")
    return data


def parse_area(data: Any) -> Area:
    """A BIN area from GeoJSON, or Invalid saying what is wrong with it."""
    geometry = _geometry_of(data)
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [_polygon(coordinates, "the polygon")]
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise Invalid("a MultiPolygon is a list of polygons")
        polygons = [_polygon(p, f"polygon {n + 1}") for n, p in enumerate(coordinates)]
    if sum(len(ring) for rings in polygons for ring in rings) > MAX_POINTS:
        raise Invalid(f"an area has at most {MAX_POINTS} positions; simplify it")
    clean = {"type": geometry["type"], "coordinates": coordinates}
    built = shape(clean)
    if not built.is_valid:
        raise Invalid(f"the area is not a valid polygon: {explain_validity(built)}")
    metres = to_metres(built)
    km2 = metres.area / 1e6
    if not MIN_KM2 <= km2 <= MAX_KM2:
        raise Invalid(
            f"the area measures {km2:.3f} km²; a BIN's area lies between {MIN_KM2} and "
            f"{MAX_KM2:.0f} km²"
        )
    x_min, y_min, x_max, y_max = metres.bounds
    return Area(json.dumps(clean, separators=(",", ":")), x_min, y_min, x_max, y_max, km2)


def area_in_metres(geojson: str) -> Polygon | MultiPolygon:
    """A stored (already checked) area in Lambert 2008 metres, prepared for repeated tests."""
    metres = to_metres(shape(json.loads(geojson)))
    shapely.prepare(metres)
    return metres  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Reach:
    """What a place or route reaches: everything within `distance` metres of `geometry`."""

    geometry: Point | LineString  # in Lambert 2008 metres
    distance: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The bounding box (metres) an area must overlap to be reached."""
        x_min, y_min, x_max, y_max = self.geometry.bounds
        d = self.distance + TOLERANCE_M
        return x_min - d, y_min - d, x_max + d, y_max + d

    def meets(self, area: Any) -> bool:
        """Inside, on the border, or a corner touching all count."""
        return bool(shapely.dwithin(area, self.geometry, self.distance + TOLERANCE_M))

    def distance_to(self, area: Any) -> float:
        """Metres from the place (or line) to the area; 0 inside it."""
        return float(area.distance(self.geometry))


def place_reach(lon: float, lat: float, radius_m: float) -> Reach:
    return Reach(to_metres(Point(lon, lat)), float(radius_m))


def route_reach(coordinates: list[tuple[float, float]], width_m: float) -> Reach:
    """A corridor: everything within half the width of the line."""
    return Reach(to_metres(LineString(coordinates)), width_m / 2)


def line_km(coordinates: list[tuple[float, float]]) -> float:
    return float(to_metres(LineString(coordinates)).length) / 1000


def where_text(place: dict[str, Any] | None, route: dict[str, Any] | None) -> str | None:
    """An alert's place and route in a few language-free symbols (reports, CSV), e.g.
    "51.20930, 3.22470 ± 2000 m" and "51.20930, 3.22470 → 51.21000, 3.23000 (3) ↔ 500 m"."""
    parts = []
    if place:
        parts.append(f"{place['lat']:.5f}, {place['lon']:.5f} ± {place['radius_m']} m")
    if route:
        points = route["line"]["coordinates"]
        first, last = points[0], points[-1]
        parts.append(
            f"{first[1]:.5f}, {first[0]:.5f} → {last[1]:.5f}, {last[0]:.5f} ({len(points)})"
            f" ↔ {route['width_m']} m"
        )
    return "; ".join(parts) or None
