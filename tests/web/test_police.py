"""Police in a real browser: send an alert from a template to simulated members through the
lab Asterisk, listen to the preview, watch the live page reach completion, cancel an alert."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from binalert.models import Role
from binalert.runtime import Runtime
from ivr.service import DispatcherService
from lab.harness import lab_settings
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.pbx, pytest.mark.timeout(180)]
ZONE = "Brugge"


@pytest.fixture
def base(pbx: LabPbx, sqlite_store: Store) -> Iterator[str]:
    settings = lab_settings(pbx, sqlite_store, digit_timeout=4, ring_timeout=20)
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services.append(DispatcherService(runtime))  # real speech (TtsAudio)
    yield from serve(runtime)


def _audio_loaded(page: Page, language: str) -> None:
    page.wait_for_function(
        f"() => {{ const a = document.getElementById('audio-{language}');"
        " return a && a.readyState >= 1 && a.duration > 0; }",
        timeout=60_000,
    )


def test_send_preview_follow_and_cancel(page: Page, base: str, sqlite_store: Store) -> None:
    members = [
        ("An", SIM.PRESS_1.number(31), "nl"),
        ("Benoît", SIM.PRESS_1.number(32), "fr"),
        ("Dirk", SIM.PRESS_1.number(33), "nl"),
    ]
    bin_a = add_bin(sqlite_store, "BIN Sint-Kruis", ZONE, members)
    bin_b = add_bin(
        sqlite_store, "BIN Assebroek", ZONE, [("Ringo", SIM.NO_ANSWER.number(34), "de")]
    )
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    shoot(page, "police-home")

    page.goto(f"{base}/alerts/new")
    page.locator(f"#bin-{bin_a}").check()
    page.get_by_label("Referentie (PV)").fill("PV-BR-2026-0042")
    page.locator("#source-suspect_vehicle").check()
    page.get_by_label("Merk").fill("Volkswagen Golf")
    page.locator("#colour").select_option("grey")  # words from a list, in every language
    page.get_by_label("Nummerplaat").fill("1-ABC-123")
    page.locator("#direction").fill("Brugge centrum")
    shoot(page, "alert-form")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_url(f"{base}/alerts/preview")
    for language in ("nl", "fr"):
        _audio_loaded(page, language)
    assert "Volkswagen Golf" in page.locator("section.message[lang=nl]").inner_text()
    duration = page.locator("#duration-nl").inner_text()  # the whole first audio of a call
    assert re.match(r"Inleiding, bericht en toetsen: [1-9][0-9] s", duration), duration
    shoot(page, "alert-preview")
    page.locator("#send").click()

    page.wait_for_url(f"{base}/alerts/*")
    page.evaluate("window.__notReloaded = true")
    assert page.locator("#count-total").inner_text() == "3"
    page.wait_for_function(
        "() => document.getElementById('alert-status').dataset.status === 'completed'",
        timeout=120_000,
    )
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded, not live"
    assert page.locator("#count-acknowledged").inner_text() == "3"
    assert "seconden" in page.locator("#first-ack").inner_text()
    assert page.locator("#deliveries tbody tr.st-acknowledged").count() == 3
    shoot(page, "alert-live-completed")

    page.goto(f"{base}/alerts/new")
    page.locator(f"#bin-{bin_b}").check()
    page.get_by_label("Referentie (PV)").fill("PV-BR-2026-0043")
    page.locator("#source-free").check()
    page.get_by_label("Deutsch", exact=True).fill("Testnachricht der Polizei. Bleiben Sie im Haus.")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/alerts/preview")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/alerts/*")
    page.wait_for_function(
        "() => document.getElementById('count-calling').textContent === '1'", timeout=60_000
    )
    shoot(page, "alert-live-calling")
    page.locator("#cancel").click()
    page.wait_for_url(f"{base}/alerts/*/cancel")
    shoot(page, "alert-cancel")
    page.locator("#confirm-cancel").click()
    page.wait_for_function(
        "() => document.getElementById('alert-status').dataset.status === 'cancelled'"
    )
    assert page.locator("#cancel").count() == 0
