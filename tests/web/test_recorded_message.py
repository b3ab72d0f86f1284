"""The police record the message in their own voice on the send page (#14 point 1): Chromium
with a fake microphone that speaks an espeak-ng sentence records, plays it back, previews
and sends; the alert keeps the converted recording."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from binalert.models import Alert, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.recordings import speech_wav
from tests.web.conftest import (
    add_bin,
    launched,
    opened_page,
    person,
    serve,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
ZONE = "Brugge"
SPOKEN = "Verdachte wagen gezien in de Kerkstraat. Blijf binnen en bel honderd een."


@pytest.fixture(scope="module")
def microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the fake microphone hears: a dispatcher reading the message (espeak-ng)."""
    return speech_wav(tmp_path_factory.mktemp("mic"), SPOKEN, "nl", padding_s=0.3)


@pytest.fixture(scope="module")
def mic_browser(microphone: Path) -> Iterator[Browser]:
    fake = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}",
        "--autoplay-policy=no-user-gesture-required",
    )
    with launched(fake) as found:
        yield found


@pytest.fixture
def mic_page(mic_browser: Browser) -> Iterator[Page]:
    with opened_page(mic_browser) as found:
        yield found


@pytest.fixture
def runtime(sqlite_store: Store, tmp_path: Path) -> Runtime:
    return Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store)


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    yield from serve(runtime)


def _record(page: Page, language: str, seconds: float) -> None:
    before = page.evaluate(f"document.getElementById('playback-{language}').src")
    page.locator(f"#record-{language}").click()
    page.wait_for_function(
        f"() => document.getElementById('status-{language}').textContent.includes(' s')",
        polling=200,
    )
    page.wait_for_timeout(seconds * 1000)
    page.locator(f"#stop-{language}").click()
    page.wait_for_function(
        f"(before) => {{ const a = document.getElementById('playback-{language}');"
        " return a.src.startsWith('blob:') && a.src !== before"
        " && isFinite(a.duration) && a.duration > 0; }",
        arg=before,
        polling=200,
    )


def _listen_back(page: Page, language: str) -> float:
    """Plays the recording in the page; its length in seconds."""
    page.evaluate(f"document.getElementById('playback-{language}').play()")
    page.wait_for_function(
        f"() => document.getElementById('playback-{language}').currentTime > 0.5", polling=200
    )
    return float(page.evaluate(f"document.getElementById('playback-{language}').duration"))


def test_the_police_record_listen_back_record_again_and_send(
    base: str, mic_page: Page, sqlite_store: Store, runtime: Runtime
) -> None:  # base first: the page (its live events) closes before the server stops
    page = mic_page
    bin_id = add_bin(sqlite_store, "BIN Sint-Kruis", ZONE, [("An", "050 12 34 56", "nl")])
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    page.goto(f"{base}/alerts/new")
    page.locator(f"#bin-{bin_id}").check()
    page.locator("#incident_ref").fill("PV-BR-2026-0077")
    page.locator("#source-free").check()
    page.locator("#text_fr").fill("Voiture suspecte rue de la Station. Restez à l'intérieur.")

    _record(page, "nl", 1.5)
    first = _listen_back(page, "nl")
    record = page.locator("#record-nl")
    assert record.inner_text() == record.get_attribute("data-again")  # "Record again"
    _record(page, "nl", 4.0)  # record again: the new take replaces the first
    again = _listen_back(page, "nl")
    assert again > first + 1.5, (first, again)
    assert page.evaluate("document.getElementById('recording_nl').files[0].type") == "audio/webm"
    shoot(page, "alert-form-recorded")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_url(f"{base}/alerts/preview")
    assert page.locator("#recorded-nl").is_visible()
    page.wait_for_function(
        "() => { const a = document.getElementById('audio-nl');"
        " return a && a.readyState >= 1 && a.duration > 3; }",
        timeout=60_000,
    )
    shoot(page, "alert-preview-recorded")
    page.locator("#send").click()
    page.wait_for_url(f"{base}/alerts/*")

    with sqlite_store.session() as s:
        [alert] = s.scalars(select(Alert)).all()
    assert alert.recordings is not None and set(alert.recordings) == {"nl"}
    converted = runtime.settings.sounds_dir / f"{alert.recordings['nl']}.wav"
    assert converted.is_file() and converted.with_suffix(".sln16").is_file()
    assert len(list(runtime.settings.sounds_dir.glob("rec-*.wav"))) == 1  # the take sent only
