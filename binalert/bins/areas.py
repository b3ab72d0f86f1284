"""BIN areas: set by the BIN's coordinators and admins (one at a time or a GeoJSON file of many),
and the BINs a place or a route reaches.

Choosing is fast without a spatial database: every database filters the areas' bounding boxes
(indexed columns, Lambert 2008 metres), and shapely decides on the few candidates with their
prepared geometries, which each process keeps (keyed by the area's version, so an edited area is
read again, in whichever process it was edited)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role, visible_bin_ids
from binalert.bins import geo
from binalert.bins import repository as repo
from binalert.bins.schemas import AreaImportResult, AreaOut, TargetBin, TargetsIn, TargetsOut
from binalert.bins.service import visible_bin
from binalert.clock import utcnow
from binalert.errors import Invalid
from binalert.models import Bin, Role

MAX_IMPORT_FEATURES = 1200  # every BIN in Belgium (1,059) in one file


class _Geometries:
    """Prepared area geometries (metres) per (database, BIN, version); bounded, thread-safe."""

    def __init__(self, limit: int = 5000) -> None:
        self._limit = limit
        self._items: OrderedDict[tuple[str, int, datetime], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(
        self, session: Session, database: str, wanted: Iterable[tuple[int, datetime]]
    ) -> dict[int, Any]:
        found: dict[int, Any] = {}
        missing: list[int] = []
        with self._lock:
            for bin_id, version in wanted:
                item = self._items.get((database, bin_id, version))
                if item is None:
                    missing.append(bin_id)
                else:
                    self._items.move_to_end((database, bin_id, version))
                    found[bin_id] = item
        if missing:
            loaded = {
                bin_id: (version, geo.area_in_metres(text))
                for bin_id, (version, text) in repo.area_texts(session, missing).items()
            }
            with self._lock:
                for bin_id, (version, geometry) in loaded.items():
                    self._items[(database, bin_id, version)] = geometry
                    found[bin_id] = geometry
                while len(self._items) > self._limit:
                    self._items.popitem(last=False)
        return found


GEOMETRIES = _Geometries()


def _database(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def _area_out(found: Bin) -> AreaOut:
    return AreaOut(
        bin_id=found.id,
        name=found.name,
        area=json.loads(found.area) if found.area else None,
        km2=found.area_km2,
        updated_at=found.area_updated_at,
    )


def _editable_bin(session: Session, caller: Caller, bin_id: int) -> Bin:
    found = visible_bin(session, caller, bin_id)
    require_role(caller.principal, Role.COORDINATOR)  # the BIN's coordinators, and admins
    return found


def store_area(found: Bin, area: geo.Area | None) -> None:
    """Write a checked area (None: no area) into the BIN's columns; its version changes."""
    found.area = area.geojson if area else None
    found.area_x_min = area.x_min if area else None
    found.area_y_min = area.y_min if area else None
    found.area_x_max = area.x_max if area else None
    found.area_y_max = area.y_max if area else None
    found.area_km2 = round(area.km2, 4) if area else None
    found.area_updated_at = utcnow() if area else None


def get_area(session: Session, caller: Caller, bin_id: int) -> AreaOut:
    return _area_out(visible_bin(session, caller, bin_id))


def set_area(session: Session, caller: Caller, bin_id: int, data: Any) -> AreaOut:
    found = _editable_bin(session, caller, bin_id)
    area = geo.parse_area(data)
    store_area(found, area)
    session.flush()
    record(session, caller, "bin.area", f"bin:{bin_id}", km2=found.area_km2)
    return _area_out(found)


def clear_area(session: Session, caller: Caller, bin_id: int) -> AreaOut:
    found = _editable_bin(session, caller, bin_id)
    store_area(found, None)
    session.flush()
    record(session, caller, "bin.area_clear", f"bin:{bin_id}")
    return _area_out(found)


def visible_areas(session: Session, caller: Caller) -> list[AreaOut]:
    """Every area the caller may see (the map's layer)."""
    visible = visible_bin_ids(session, caller.principal)
    return [_area_out(found) for found in repo.with_areas(session, visible)]


def _feature_bin(
    feature: Any, editable: list[Bin], seen: set[int]
) -> tuple[Bin | None, str | None]:
    """The BIN a feature names (by `bin_id` or `name` property), or why not."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        return None, "a feature needs properties with bin_id or name"
    bin_id, name = properties.get("bin_id"), properties.get("name")
    if isinstance(bin_id, int) and not isinstance(bin_id, bool):
        matches = [b for b in editable if b.id == bin_id]
        what = f"BIN {bin_id}"
    elif isinstance(name, str) and name.strip():
        wanted = name.strip().casefold()
        matches = [b for b in editable if b.name.strip().casefold() == wanted]
        what = f"the BIN named '{name.strip()[:200]}'"
    else:
        return None, "a feature needs a bin_id (number) or name property"
    if not matches:
        return None, f"{what} is not one of the BINs you may edit"
    if len(matches) > 1:
        return None, f"{what}: several BINs have this name; give bin_id"
    if matches[0].id in seen:
        return None, f"{what} appears twice in the file"
    return matches[0], None


def import_areas(session: Session, caller: Caller, data: Any) -> AreaImportResult:
    """A GeoJSON FeatureCollection, one feature per BIN: all stored, or none and every error."""
    require_role(caller.principal, Role.COORDINATOR)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not features:
        raise Invalid("give a GeoJSON FeatureCollection with one feature per BIN")
    if not isinstance(features, list) or len(features) > MAX_IMPORT_FEATURES:
        raise Invalid(f"a file holds at most {MAX_IMPORT_FEATURES} features")
    visible = visible_bin_ids(session, caller.principal)
    editable = repo.page(session, visible, 0, 10_000)
    errors: list[dict[str, Any]] = []
    chosen: list[tuple[Bin, geo.Area]] = []
    seen: set[int] = set()
    for number, feature in enumerate(features, start=1):
        found, problem = _feature_bin(feature, list(editable), seen)
        if found is not None:
            seen.add(found.id)
            try:
                chosen.append((found, geo.parse_area(feature)))
            except Invalid as error:
                problem = error.message
        if problem:
            errors.append({"feature": number, "message": problem})
    if errors:
        raise Invalid(
            f"nothing imported: {len(errors)} of {len(features)} features have errors", errors
        )
    for found, area in chosen:
        store_area(found, area)
    session.flush()
    record(session, caller, "bin.area_import", "bins", bin_ids=[b.id for b, _ in chosen])
    return AreaImportResult(imported=[_area_out(b) for b, _ in chosen])


def reached(session: Session, data: TargetsIn, visible: set[int] | None) -> dict[int, float]:
    """BIN id -> metres from the place or route, for the BINs (of `visible`) whose area meets
    the circle or corridor."""
    reaches = []
    if data.place is not None:
        reaches.append(geo.place_reach(data.place.lon, data.place.lat, data.place.radius_m))
    if data.route is not None:
        reaches.append(geo.route_reach(data.route.points(), data.route.width_m))
    found: dict[int, float] = {}
    for reach in reaches:
        candidates = [
            (bin_id, version)
            for bin_id, version in repo.area_candidates(session, reach.box)
            if visible is None or bin_id in visible
        ]
        geometries = GEOMETRIES.get_many(session, _database(session), candidates)
        for bin_id, geometry in geometries.items():
            if reach.meets(geometry):
                distance = reach.distance_to(geometry)
                found[bin_id] = min(distance, found.get(bin_id, distance))
    return found


def targets(session: Session, caller: Caller, data: TargetsIn) -> TargetsOut:
    """The dry run: the BINs of the caller's scope that a place or route reaches, nearest first,
    with their active members (who would be called)."""
    require_role(caller.principal, Role.POLICE)
    distances = reached(session, data, visible_bin_ids(session, caller.principal))
    counts = repo.active_member_counts(session, distances)
    rows = [
        TargetBin(
            id=b.id,
            name=b.name,
            municipality=b.municipality,
            police_zone=b.police_zone,
            members=counts.get(b.id, 0),
            distance_m=round(distances[b.id], 1),
        )
        for b in repo.by_ids(session, distances)
    ]
    rows.sort(key=lambda row: (row.distance_m, row.name, row.id))
    return TargetsOut(bins=rows, members=repo.active_member_total(session, distances))
