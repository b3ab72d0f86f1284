"""The map in a real browser, without tiles (#23): a dispatcher clicks a place, sets 1.5 km, sees
the BINs within it and their members, removes one and sends; a coordinator imports three BIN
areas from a GeoJSON file and draws a fourth by clicking its corners.

The BINs are 1 km squares in a row (metres east of Brugge's Markt): A 0-1000, B 1000-2000,
C 2000-3000, D 4200-5200. The map first fits all four, so its centre lies 2,600 m east: in C,
600 m from B, 1,600 m from A and D."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, FilePayload, Page
from sqlalchemy import select

from binalert.bins import areas
from binalert.models import Bin, Delivery, Membership, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.test_bin_areas import ADMIN, lonlat, square
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ZONE = "Brugge"
SIDES = {"A": (0, 1000), "B": (1000, 2000), "C": (2000, 3000), "D": (4200, 5200)}


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    settings = api_settings(sqlite_store, tmp_path, map_tiles_url="")  # no tiles: offline
    yield from serve(Runtime(settings=settings, store=sqlite_store))


def _bins(store: Store) -> dict[str, int]:
    members = {"A": 1, "B": 1, "C": 2, "D": 1}
    return {
        name: add_bin(
            store,
            f"BIN {name}",
            ZONE,
            [(f"{name}{n}", f"050 12 {ord(name)} {n:02d}", "nl") for n in range(members[name])],
        )
        for name in SIDES
    }


def _errors(page: Page) -> list[str]:
    """Script errors, CSP refusals and failed requests of the page, as they happen (Chromium's
    own favicon request, a 404 here, is not the page's and not reported as a response)."""
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def _map_ready(page: Page, selector: str, areas_drawn: int) -> None:
    page.wait_for_function(
        f"() => {{ const m = document.querySelector('{selector}');"
        f" return m && m.dataset.ready === '1' && m.dataset.areasDrawn === '{areas_drawn}'; }}"
    )


def test_a_dispatcher_alerts_the_bins_around_a_clicked_place_less_one(
    base: str, page: Page, sqlite_store: Store
) -> None:
    ids = _bins(sqlite_store)
    with sqlite_store.session() as s:
        for name, (x1, x2) in SIDES.items():
            areas.set_area(s, ADMIN, ids[name], square(x1, 0, x2, 1000))
    errors = _errors(page)
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))

    page.goto(f"{base}/alerts/new")
    _map_ready(page, "#place-map", 4)
    page.get_by_label("Straal (meter)").fill("1500")
    page.locator("#place-map").click()  # the map's centre: inside C
    page.wait_for_url(f"{base}/alerts/nearby")
    _map_ready(page, "#place-map", 4)
    rows = page.locator("#proposed-bins tbody tr")
    shown = {
        rows.nth(i).locator("label").inner_text(): rows.nth(i).locator("td.members").inner_text()
        for i in range(rows.count())
    }
    assert shown == {"BIN C": "2", "BIN B": "1"}
    assert "3" in page.locator("#proposed p").inner_text()  # members to call
    lat = float(page.get_by_label("Breedtegraad", exact=True).input_value())
    shoot(page, "alert-form-place")

    page.locator(f"#bin-{ids['B']}").uncheck()
    page.get_by_label("Referentie (PV)").fill("PV-BR-2026-0023")
    page.locator("#source-free").check()
    page.locator("#text_nl").fill("Verdachte wagen gezien, richting Assebroek.")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/alerts/preview")
    assert f"{lat:.5f}" in page.locator("#preview-place").inner_text()
    page.locator("#send").click()

    page.wait_for_url(f"{base}/alerts/*")
    assert f"{lat:.5f}" in page.locator("#place-text").inner_text()
    assert "1500" in page.locator("#place-text").inner_text()
    _map_ready(page, "#alert-map", 4)
    shoot(page, "alert-live-place")
    alert_id = int(page.url.rsplit("/", 1)[1])
    with sqlite_store.session() as s:
        called = set(s.scalars(select(Delivery.member_id).where(Delivery.alert_id == alert_id)))
        in_c = set(s.scalars(select(Membership.member_id).where(Membership.bin_id == ids["C"])))
    assert called == in_c and len(called) == 2  # C's members, not B's
    assert errors == []  # no CSP refusal, no script error


def _collection(ids: dict[str, int]) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"bin_id": ids[name]} if name != "B" else {"name": "BIN B"},
            "geometry": square(x1, 0, x2, 1000),
        }
        for name, (x1, x2) in SIDES.items()
        if name != "D"
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_a_coordinator_imports_three_areas_and_draws_a_fourth(
    base: str, page: Page, sqlite_store: Store
) -> None:
    ids = _bins(sqlite_store)
    errors = _errors(page)
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=list(ids.values())))

    page.goto(f"{base}/bins/areas/import")
    page.locator("#areas-file").set_input_files(
        FilePayload(name="wijken.geojson", mimeType="application/geo+json", buffer=_collection(ids))
    )
    page.locator("#import-areas").click()
    page.wait_for_selector("#imported-areas")
    assert "3" in page.locator("#imported-areas p").inner_text()
    _map_ready(page, "#areas-map", 3)
    shoot(page, "areas-imported")

    page.goto(f"{base}/bins/{ids['D']}/area")
    _map_ready(page, "#area-map", 3)
    box = page.locator("#area-map").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
        page.mouse.click(cx + dx, cy + dy)
    drawn = json.loads(page.locator("#area-geojson").input_value())
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    shoot(page, "area-drawn")
    page.locator("#save-area").click()
    page.wait_for_selector("#saved")
    with sqlite_store.session() as s:
        stored = s.get(Bin, ids["D"])
        assert stored is not None and stored.area is not None
        assert json.loads(stored.area) == drawn and 0.01 <= (stored.area_km2 or 0) <= 500
    assert errors == []


def test_a_place_typed_at_the_keyboard_proposes_its_bins_and_one_abroad_is_refused(
    base: str, page: Page, sqlite_store: Store
) -> None:
    ids = _bins(sqlite_store)
    with sqlite_store.session() as s:
        for name, (x1, x2) in SIDES.items():
            areas.set_area(s, ADMIN, ids[name], square(x1, 0, x2, 1000))
    errors = _errors(page)
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    page.goto(f"{base}/alerts/new")
    lon, lat = lonlat(500, 500)  # inside A
    page.get_by_label("Breedtegraad", exact=True).fill(
        f"{lat:.5f}".replace(".", ",")
    )  # as typed here
    page.get_by_label("Lengtegraad", exact=True).fill(f"{lon:.5f}")
    page.get_by_label("Straal (meter)").fill("100")
    page.locator("#find-bins").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/alerts/nearby")
    assert page.locator("#proposed-bins label").all_inner_texts() == ["BIN A"]

    page.get_by_label("Breedtegraad", exact=True).fill("48.85341")  # Paris
    page.get_by_label("Lengtegraad", exact=True).fill("2.34880")
    page.locator("#find-bins").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("div.error")
    assert "outside Belgium" in page.locator("div.error").inner_text()
    assert page.locator("#proposed-bins").count() == 0
    page.get_by_label("Referentie (PV)").fill("PV-BR-2026-0024")
    page.locator("#source-all_clear").check()
    page.locator("form.card button[type=submit]").click()  # Preview: refused again
    page.wait_for_selector("div.error")
    assert "outside Belgium" in page.locator("div.error").inner_text()
    with sqlite_store.session() as s:
        assert s.scalars(select(Delivery)).first() is None  # nothing sent
    assert [e for e in errors if not e.startswith("422 ")] == []


def test_a_dispatcher_alerts_the_bins_along_a_route(
    base: str, page: Page, sqlite_store: Store
) -> None:
    ids = _bins(sqlite_store)
    with sqlite_store.session() as s:
        for name, (x1, x2) in SIDES.items():
            areas.set_area(s, ADMIN, ids[name], square(x1, 0, x2, 1000))
    errors = _errors(page)
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    page.goto(f"{base}/alerts/new")
    _map_ready(page, "#place-map", 4)
    page.locator("#draw-route").check()
    box = page.locator("#place-map").bounding_box()
    assert box is not None
    for dx in (-200, 200):  # two clicks: two points of the route, nothing asked yet
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
    assert len(page.locator("#route_points").input_value().splitlines()) == 2
    assert page.url == f"{base}/alerts/new"

    typed = [lonlat(-500, 500), lonlat(3500, 500)]  # through A, B and C, 100 m wide
    page.locator("#route_points").fill("\n".join(f"{lat:.6f}, {lon:.6f}" for lon, lat in typed))
    page.locator("#route_width_m").fill("100")
    page.locator("#find-bins").click()
    page.wait_for_url(f"{base}/alerts/nearby")
    names = page.locator("#proposed-bins label").all_inner_texts()
    assert sorted(names) == ["BIN A", "BIN B", "BIN C"]
    page.get_by_label("Referentie (PV)").fill("PV-BR-2026-0025")
    page.locator("#source-all_clear").check()
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/alerts/preview")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/alerts/*")
    assert "100" in page.locator("#route-text").inner_text()
    _map_ready(page, "#alert-map", 4)
    alert_id = int(page.url.rsplit("/", 1)[1])
    with sqlite_store.session() as s:
        called = set(s.scalars(select(Delivery.member_id).where(Delivery.alert_id == alert_id)))
        members = set(
            s.scalars(
                select(Membership.member_id).where(
                    Membership.bin_id.in_([ids["A"], ids["B"], ids["C"]])
                )
            )
        )
    assert called == members and len(called) == 4
    assert errors == []
