"""German in a real browser (issue #14): a dispatcher of a German-speaking police zone chooses
Deutsch in the header and reads the home page, the send page and an alert's page in German,
with the alerts' times in Brussels time (winter and summer); a browser that asks for German
gets it before anyone signs in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from binalert.models import Alert, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
ZONE = "Weser-Göhl"
WINTER = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 10:30 in Brussels (UTC+1)
SUMMER = datetime(2026, 7, 15, 9, 30, tzinfo=UTC)  # 11:30 in Brussels (UTC+2)


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    yield from serve(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))


def finished_alert(store: Store, bin_id: int, start: datetime, ref: str) -> int:
    with store.session() as s:
        alert = Alert(
            created_by="police:test",
            created_at=start,
            incident_ref=ref,
            bin_ids=[bin_id],
            messages={"de": "Test"},
            valid_from=start,
            valid_until=start + timedelta(hours=1),
            status="completed",
            completed_at=start + timedelta(minutes=10),
        )
        s.add(alert)
        s.flush()
        return alert.id


def test_deutsch_home_send_page_and_brussels_times(
    page: Page, base: str, sqlite_store: Store
) -> None:
    nin = add_bin(sqlite_store, "NIN Eupen-Unterstadt", ZONE, [("Anna", "087123456", "de")])
    winter = finished_alert(sqlite_store, nin, WINTER, "PV-EU-2026-0007")
    finished_alert(sqlite_store, nin, SUMMER, "PV-EU-2026-0042")
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))  # in Dutch (nl-BE)
    assert page.locator("html").get_attribute("lang") == "nl"

    page.get_by_label("Taal").select_option(label="Deutsch")
    page.locator("#lang-switch ~ button").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert page.url == f"{base}/"
    nav = page.get_by_role("navigation", name="main")
    expect(nav.get_by_role("link", name="Startseite")).to_be_visible()
    expect(page.get_by_role("heading", name="Alarme")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Datum")).to_be_visible()
    rows = page.locator("main table tbody tr")
    dates = {rows.nth(i).locator("td").nth(2).inner_text(): rows.nth(i) for i in range(2)}
    winter_row, summer_row = dates["PV-EU-2026-0007"], dates["PV-EU-2026-0042"]
    assert winter_row.locator("td").nth(1).inner_text() == "2026-01-15 10:30"
    assert summer_row.locator("td").nth(1).inner_text() == "2026-07-15 11:30"
    assert winter_row.locator("td").nth(3).inner_text() == "abgeschlossen"
    assert page.get_by_label("Sprache").input_value() == "de"
    shoot(page, "german-home")

    nav.get_by_role("link", name="Alarm senden").click()
    page.wait_for_url(f"{base}/alerts/new")
    expect(page.get_by_role("heading", name="Alarm senden")).to_be_visible()
    expect(page.get_by_role("group", name="NIN")).to_be_visible()
    page.get_by_label("NIN Eupen-Unterstadt").check()
    page.get_by_label("Referenz (Protokoll)").fill("PV-EU-2026-0043")
    page.get_by_label("Verdächtiges Fahrzeug").check()
    page.get_by_label("Marke", exact=True).fill("Opel Astra")
    expect(page.get_by_label("Farbe", exact=True)).to_be_visible()
    page.get_by_label("Kennzeichen", exact=True).fill("1-XYZ-789")
    page.get_by_label("Deutsch", exact=True).fill("Bleiben Sie bitte im Haus.")
    expect(page.get_by_role("button", name="Vorschau")).to_be_visible()
    expect(page.get_by_text("Es wird nichts gesendet, bevor Sie bestätigen.")).to_be_visible()
    shoot(page, "german-alert-form")

    page.goto(f"{base}/alerts/{winter}")
    expect(page.locator("#alert-status")).to_have_text("abgeschlossen")
    expect(page.get_by_text("Zeit bis zur ersten Bestätigung")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Letztes Ergebnis")).to_be_visible()

    page.goto(f"{base}/alerts/999999")
    expect(page.get_by_role("heading", name="Seite nicht gefunden")).to_be_visible()


def test_a_browser_asking_for_german_gets_german(browser: Browser, base: str) -> None:
    context = browser.new_context(locale="de-BE")
    try:
        page = context.new_page()
        page.goto(f"{base}/signin")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
        expect(page.get_by_label("E-Mail-Adresse")).to_be_visible()
        expect(page.get_by_label("Passwort", exact=True)).to_be_visible()
    finally:
        context.close()
