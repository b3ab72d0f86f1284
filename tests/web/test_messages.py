"""Messages and follow-ups in a real browser, with the clock moved to Monday 30 November 2026,
22:00 in Brussels: a coordinator sends a message at night and reads when its calls start,
a police officer of the zone approves it, and the police send a follow-up to the members who
acknowledged, from the alert's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update

from binalert.alerts import service as alerts
from binalert.alerts.schemas import AlertCreate
from binalert.auth.schemas import Caller
from binalert.clock import Travel, travel, utcnow
from binalert.models import Delivery, Member, Role, Zone
from binalert.runtime import Runtime
from lab.sim import SIM
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ZONE = "Brugge"
NIGHT = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Monday 22:00 in Brussels


@pytest.fixture
def night() -> Iterator[Travel]:
    with travel(NIGHT) as clock:
        yield clock


@pytest.fixture
def runtime(sqlite_store: Store, tmp_path: Path) -> Runtime:
    return Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store)


@pytest.fixture
def base(runtime: Runtime, night: Travel) -> Iterator[str]:
    yield from serve(runtime)


def _second_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-BE")
    found = context.new_page()
    found.set_default_timeout(20_000)
    return found


def test_a_coordinator_sends_a_message_at_night_and_the_police_approve_it(
    page: Page, browser: Browser, base: str, sqlite_store: Store
) -> None:
    members = [("An", SIM.PRESS_1.number(71), "nl"), ("Benoît", SIM.PRESS_1.number(72), "fr")]
    bin_id = add_bin(sqlite_store, "BIN Sint-Kruis", ZONE, members)
    with sqlite_store.session() as s:
        s.add(Zone(name=ZONE, approval_required=True))
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[bin_id]))
    page.locator("#home-new-message").click()
    page.wait_for_url(f"{base}/messages/new")
    page.locator(f"#bin-{bin_id}").check()
    page.locator("#subject").fill("Donkere avonden")
    page.locator("#source-dark_evenings").check()
    shoot(page, "message-form")
    page.locator("#send-message").click()

    page.wait_for_url(f"{base}/messages/*")
    message_url = page.url
    assert page.locator("#message-status").get_attribute("data-status") == "awaiting_approval"
    assert page.locator("#awaiting").is_visible()
    assert page.locator("#approve").count() == 0  # a coordinator does not approve
    assert page.locator("#count-total").inner_text() == "0"
    shoot(page, "message-awaiting-approval")

    police = _second_page(browser)
    try:
        sign_in(police, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
        police.goto(f"{base}/messages")
        police.locator("#waiting a").first.click()
        police.wait_for_url(message_url)
        shoot(police, "message-approve")
        police.locator("#approve").click()
        police.wait_for_function(
            "() => document.getElementById('message-status').dataset.status === 'active'"
        )
        calls = police.locator("#calls-start").inner_text()
        assert "dinsdag 1 december om 09:00" in calls, calls
        assert police.locator("#count-total").inner_text() == "2"
        assert police.locator("#decided").is_visible()
    finally:
        police.context.close()

    page.reload()
    assert page.locator("#message-status").get_attribute("data-status") == "active"
    assert "dinsdag 1 december om 09:00" in page.locator("#calls-start").inner_text()
    shoot(page, "message-approved")


def test_police_send_a_follow_up_to_acknowledgers_from_the_alert_page(
    page: Page, base: str, sqlite_store: Store, runtime: Runtime
) -> None:
    members = [
        ("An", SIM.PRESS_1.number(73), "nl"),
        ("Benoît", SIM.PRESS_1.number(74), "fr"),
        ("Dirk", SIM.NO_ANSWER.number(75), "nl"),
    ]
    bin_id = add_bin(sqlite_store, "BIN Assebroek", ZONE, members)
    police = Caller.operator()
    with sqlite_store.session() as s:
        data = AlertCreate(bin_ids=[bin_id], incident_ref="PV-BR-77", messages={"nl": "Test"})
        first, _ = alerts.create(s, police, data, None, runtime.settings)
        benoit = s.scalar(select(Member.id).where(Member.name == "Benoît"))
        s.execute(
            update(Delivery)
            .where(Delivery.alert_id == first.id, Delivery.member_id == benoit)
            .values(status="acknowledged", acknowledged_at=utcnow(), digit="1")
        )
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    page.goto(f"{base}/alerts/{first.id}")
    page.locator("#send-feedback").click()
    page.wait_for_url(f"{base}/alerts/{first.id}/feedback")
    page.locator("#audience-acknowledged").check()
    page.locator("#source-all_clear").check()
    shoot(page, "feedback-form")
    page.locator("#send-feedback").click()

    page.wait_for_url(f"{base}/alerts/*")
    assert page.url != f"{base}/alerts/{first.id}/feedback"
    assert page.locator("#follows a").get_attribute("href") == f"/alerts/{first.id}"
    assert "dinsdag 1 december om 09:00" in page.locator("#calls-start").inner_text()
    assert page.locator("#count-total").inner_text() == "1"  # only Benoît acknowledged
    assert page.locator("#deliveries tbody tr td").nth(1).inner_text() == "fr"
    shoot(page, "feedback-sent")

    follow_up = page.url.rsplit("/", 1)[1]
    page.goto(f"{base}/alerts/{first.id}")
    assert page.locator(f"#follow-ups a[href='/alerts/{follow_up}']").count() == 1
    page.goto(f"{base}/alerts/{follow_up}")
    assert page.locator("#send-feedback").count() == 0  # no follow-up of a follow-up
    page.goto("about:blank")  # the live page's event stream ends before the server stops
