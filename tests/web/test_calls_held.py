"""The police's alert page in Chromium says why calls are held, and stops saying it once
calls can go out again: the page looks every 10 s, since a held call makes no event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from binalert.models import Role
from binalert.runtime import Runtime
from binalert.settings import Settings
from lab.seed import seed_alert
from store.db import Store
from tests.api.test_dial_health import beat
from tests.web.conftest import person, serve, shoot, sign_in

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    """The API alone, as beside separate workers (no dispatcher in this process)."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_store.url, environment="test", sounds_dir=tmp_path / "sounds"
    )
    yield from serve(Runtime(settings, sqlite_store))


# The heartbeats here come every 60 s: none goes stale during the test.


def test_the_alert_page_says_why_calls_are_held_until_they_go_out(
    base: str, page: Page, sqlite_store: Store
) -> None:
    """`base` before `page`: the page (its event stream of an alert still open) closes
    before the server stops."""
    alert_id = seed_alert(sqlite_store, ["050 12 34 56", "050 12 34 57"])
    beat(sqlite_store, speech_healthy=False, reason="speech engine failing", interval=60)
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone="Brugge"))
    page.goto(f"{base}/alerts/{alert_id}")
    held = page.locator("#calls-held")
    expect(held).to_contain_text("Oproepen staan stil: de spraakmotor werkt niet.")
    shoot(page, "alert-calls-held")

    beat(sqlite_store, pbx_healthy=False, speech_healthy=False, interval=60)
    expect(held).to_contain_text("de telefooncentrale is onbereikbaar", timeout=25_000)
    beat(sqlite_store, interval=60)  # a worker that can call: the page clears it by itself
    expect(held).to_have_count(0, timeout=25_000)
