"""The zone settings page in a real browser: the zone's police turn on press 3 for their
non-urgent messages and follow-ups (off by default: only urgent alerts offer it); a
coordinator of one of the zone's BINs reads the setting without a form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from binalert.models import Role, Zone
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ZONE = "Brugge"


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    yield from serve(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))


def test_the_zones_police_offer_press_3_on_their_messages_and_a_coordinator_sees_it(
    page: Page, base: str, sqlite_store: Store
) -> None:
    bin_id = add_bin(sqlite_store, "BIN Assebroek", ZONE, [])
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    page.goto(f"{base}/zones/{ZONE}")
    switch = page.locator("#press3_on_messages")
    assert not switch.is_checked()
    page.locator("#dispatch_number").fill("050 44 88 44")
    switch.check()
    shoot(page, "zone-settings-press-3")
    page.locator("#save-zone").click()
    page.wait_for_url(f"{base}/zones/{ZONE}?saved=1")
    assert page.locator("#saved").is_visible()
    assert page.locator("#press3_on_messages").is_checked()
    with sqlite_store.session() as s:
        zone = s.get(Zone, ZONE)
        assert zone is not None and zone.press3_on_messages
        assert zone.dispatch_number == "+3250448844"

    page.locator("#press3_on_messages").uncheck()  # and off again
    page.locator("#save-zone").click()
    page.wait_for_url(f"{base}/zones/{ZONE}?saved=1")
    assert not page.locator("#press3_on_messages").is_checked()
    page.locator("#press3_on_messages").check()
    page.locator("#save-zone").click()
    page.wait_for_url(f"{base}/zones/{ZONE}?saved=1")

    page.context.clear_cookies()
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[bin_id]))
    page.goto(f"{base}/zones/{ZONE}")
    assert page.locator("#zone-form").count() == 0
    assert page.locator("#press3-on-messages").inner_text() == "ja"
