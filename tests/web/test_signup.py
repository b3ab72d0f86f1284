"""Joining a BIN in a real browser, over the lab phone network (#24): the coordinator makes
the sign-up page and its flyer; a person signs up, the lab network calls them and they press
1; the coordinator approves; the first alert reaches them. The same sign-up for a number
that never answers is not called with the alert and is forgotten after 48 hours."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from binalert.clock import travel, utcnow
from binalert.models import Delivery, Member, Role, ServiceCall, Signup
from binalert.retention import forget_signups
from binalert.runtime import Runtime
from binalert.tokens import create_token
from ivr.service import DispatcherService
from lab.harness import LabSoundsAudio, lab_settings
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store
from tests.web.conftest import add_bin, opened_page, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.pbx, pytest.mark.timeout(120)]
ZONE = "Brugge"


@pytest.fixture
def base(pbx: LabPbx, sqlite_store: Store) -> Iterator[str]:
    settings = lab_settings(pbx, sqlite_store, ring_timeout=8, digit_timeout=3)
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services.append(DispatcherService(runtime, audio=LabSoundsAudio()))  # type: ignore[arg-type]
    yield from serve(runtime)


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.25)


def _sign_up(page: Page, link: str, name: str, number: str) -> None:
    page.goto(link)
    page.get_by_label("Uw naam").fill(name)
    page.get_by_label("Uw telefoonnummer").fill(number)
    page.get_by_label("Straat (niet verplicht)").fill("Kerkstraat")
    page.locator("#consent").check()
    page.locator("#signup-form button[type=submit]").click()
    page.wait_for_selector("#signup-sent")


def _outcome(store: Store, national: str) -> str | None:
    e164 = SIM.of(national).e164(int(national[4:]))
    with store.session() as s:
        call = s.scalar(select(ServiceCall).where(ServiceCall.phone == e164))
        return call.outcome if call is not None else None


def test_a_person_joins_confirms_by_phone_is_approved_and_gets_the_first_alert(
    browser: Browser, page: Page, base: str, sqlite_store: Store
) -> None:
    bin_id = add_bin(sqlite_store, "BIN Sint-Kruis", ZONE, [])
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[bin_id]))
    page.goto(f"{base}/bins/{bin_id}/members")
    page.locator("#signups-link").click()
    page.locator("#renew-link").click()
    link = page.locator("#signup-link").inner_text()
    token = link.removeprefix(f"{base}/join/")
    assert token != link and len(token) >= 32  # unguessable, not the BIN's id
    page.get_by_label("Deutsch").uncheck()
    page.get_by_label("English").uncheck()
    page.locator("#signup-options button[type=submit]").click()
    shoot(page, "signups")
    page.locator("#flyer-link").click()
    assert page.locator("#flyer-qr svg").count() == 1
    assert page.locator("section.flyer-language").count() == 2  # nl, fr
    assert "buurtinformatienetwerk" in page.locator("section[lang=nl] h2").inner_text()
    shoot(page, "signup-flyer")

    joiner, stranger = SIM.PRESS_1.number(71), SIM.NO_ANSWER.number(72)
    with opened_page(browser) as visitor:
        _sign_up(visitor, link, "Els Claes", joiner)
        shoot(visitor, "signup-sent")
        _sign_up(visitor, link, "Niemand", stranger)
        visitor.goto(link)
        assert visitor.locator("#page-languages a").count() == 2
        assert "Wat u aanvaardt" in visitor.locator("#consent-text h2").inner_text()
        shoot(visitor, "signup-form")

    _until(lambda: _outcome(sqlite_store, joiner) == "pressed_1", 30, "Els pressed 1")
    page.goto(f"{base}/bins/{bin_id}/members")
    waiting = page.locator("#signups-waiting tr.signup")
    assert waiting.count() == 1 and "Els Claes" in waiting.inner_text()
    waiting.get_by_role("button", name="Goedkeuren Els Claes").click()
    page.wait_for_url(f"{base}/bins/{bin_id}/members")
    assert page.locator("table tbody tr", has_text="Els Claes").count() == 1
    shoot(page, "members-after-approval")

    with sqlite_store.session() as s:
        police = create_token(s, Role.POLICE, "dispatch-101", police_zone=ZONE)
    answer = httpx.post(
        f"{base}/api/v1/alerts",
        json={"bin_ids": [bin_id], "incident_ref": "PV-JOIN-1", "messages": {"nl": "Test."}},
        headers={"Authorization": f"Bearer {police}", "Idempotency-Key": "join-1"},
    )
    assert answer.status_code == 202, answer.text
    alert_id = answer.json()["id"]

    def acknowledged() -> bool:
        with sqlite_store.session() as s:
            rows = list(s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)))
            return len(rows) == 1 and rows[0].status == "acknowledged"

    _until(acknowledged, 40, "the first alert reached Els")  # her phone answered and pressed 1
    with sqlite_store.session() as s:
        delivery = s.scalar(select(Delivery).where(Delivery.alert_id == alert_id))
        assert delivery is not None and delivery.phones == [SIM.PRESS_1.e164(71)]
        assert [m.name for m in s.scalars(select(Member))] == ["Els Claes"]
    assert _outcome(sqlite_store, stranger) == "no_answer"  # rang, never confirmed

    with travel(utcnow() + timedelta(hours=48, minutes=1)), sqlite_store.session() as s:
        assert forget_signups(s, utcnow()) == 1  # binalert.retention's job
    with sqlite_store.session() as s:
        assert s.scalars(select(Signup)).first() is None
    page.goto(f"{base}/bins/{bin_id}/members")
    assert page.locator("#signups-unconfirmed").count() == 0
