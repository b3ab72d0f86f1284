"""SMS as the police see it in a real browser (#22): the preview shows each language's SMS
text with its encoding and part count; the live page shows, without a reload, the SMS sent,
its receipt, and the member's reply 1 as an acknowledgement by SMS.

The SMS go through the delivery lifecycle's own steps (claim, sent, receipt, reply), as the
SMS worker drives them from the lab SMSC; the end-to-end run through the SMSC is the lead's
at merge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from binalert.clock import utcnow
from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Member, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
ZONE = "Brugge"
MOBILE = "0470 99 88 77"


@pytest.fixture
def base(sqlite_store: Store, tmp_path: object) -> Iterator[str]:
    sms_rules.configure(sqlite_store.session_info, SmsConfig(frozenset({"BE"})))
    settings = api_settings(sqlite_store, tmp_path)  # type: ignore[arg-type]
    yield from serve(Runtime(settings=settings, store=sqlite_store))


def _step(store: Store, act: str) -> None:
    """The SMS worker's steps for the alert's one SMS: claimed and sent with the SMSC's
    message ids, then each part's receipt; the member's reply 1."""
    now = utcnow() + timedelta(seconds=1)
    with store.session() as s:
        if act == "sent":
            (claimed,) = lifecycle.claim_sms(s, now, 10, "sms-worker")
            lifecycle.sms_sent(s, claimed.id, [f"lab-{i}" for i in range(claimed.parts)], now)
        elif act == "delivered":
            for i in range(3):
                lifecycle.record_receipt(s, f"lab-{i}", "DELIVRD", now)
        else:
            assert lifecycle.handle_reply(s, "+32470998877", "1", now) == "ack"


def test_the_police_preview_the_sms_and_follow_its_receipt_and_reply(
    page: Page, base: str, sqlite_store: Store
) -> None:
    found = add_bin(
        sqlite_store, "BIN Sint-Kruis", ZONE, [("Sam", MOBILE, "nl"), ("Lea", "050 12 34 40", "nl")]
    )
    with sqlite_store.session() as s:
        s.execute(update(Member).where(Member.name == "Sam").values(urgent_channels="sms"))
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))

    page.goto(f"{base}/alerts/new")
    page.locator(f"#bin-{found}").check()
    page.locator("#incident_ref").fill("PV-BR-2026-0077")
    page.locator("#source-suspect_vehicle").check()
    page.locator("#make").fill("Volkswagen Golf")
    page.locator("#colour").select_option("grey")
    page.locator("#plate").fill("1-abc-234")
    page.locator("#direction").fill("de Markt")
    page.locator("form.card button[type=submit]").click()

    page.wait_for_url(f"{base}/alerts/preview")
    sms = page.locator("#sms-nl")
    expect(page.locator("#sms-members strong")).to_have_text("1")
    text = sms.locator(".sms-text").inner_text()
    assert "nummerplaat 1-ABC-234" in text and "bel 112" in text, text
    assert text.endswith("Antwoord dan met 1."), text
    assert (sms.get_attribute("data-encoding"), sms.get_attribute("data-parts")) == ("gsm7", "3")
    expect(page.locator("#sms-parts-nl strong")).to_have_text("3")
    shoot(page, "sms-preview")
    page.locator("#send").click()

    page.wait_for_url(f"{base}/alerts/*")
    page.evaluate("window.__notReloaded = true")
    row = page.locator("#deliveries tbody tr").first  # Sam's, the first member
    expect(row).to_have_attribute("data-call", "false")  # texted, not called
    expect(page.locator("#count-total")).to_have_text("1")  # Lea, to call
    expect(page.locator("#count-texted-only")).to_have_text("1")
    _step(sqlite_store, "sent")
    expect(row.locator("td.sms-sent")).to_be_visible()
    expect(page.locator("#count-sms-sent")).to_have_text("1")
    expect(page.locator("#count-sms-delivered")).to_have_text("0")  # sent is not delivered
    _step(sqlite_store, "delivered")
    expect(row.locator("td.sms-delivered")).to_be_visible()
    expect(page.locator("#count-sms-delivered")).to_have_text("1")
    expect(page.locator("#count-sms-parts")).to_have_text("3")
    _step(sqlite_store, "reply")
    expect(page.locator("#count-sms-acknowledged")).to_have_text("1")
    expect(page.locator("#count-acknowledged")).to_have_text("1")
    expect(row).to_have_class("st-acknowledged")
    expect(row.locator(".by-sms")).to_be_visible()
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded, not live"
    shoot(page, "sms-live-acknowledged")
    page.goto("about:blank")  # the live page's stream ends with it (Lea is still to call)


def test_the_coordinator_sets_channels_and_sees_who_replied_stop(
    page: Page, base: str, sqlite_store: Store
) -> None:
    found = add_bin(
        sqlite_store, "BIN Assebroek", ZONE, [("Sam", MOBILE, "nl"), ("Lea", "050 12 34 40", "nl")]
    )
    with sqlite_store.session() as s:
        s.execute(update(Member).where(Member.name == "Sam").values(sms_stopped_at=utcnow()))
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[found]))
    page.goto(f"{base}/bins/{found}/members")
    sam = page.locator("tbody tr", has_text="Sam")
    expect(sam.locator(".sms-stopped")).to_contain_text("STOP")
    page.locator("#bin-urgent_channels").select_option("both")
    page.locator("#sms_fallback").check()
    page.locator("#bin-channels button[type=submit]").click()
    page.wait_for_url(f"{base}/bins/{found}/members")
    expect(page.locator("#bin-urgent_channels")).to_have_value("both")
    expect(page.locator("#sms_fallback")).to_be_checked()
    lea = page.locator("tbody tr", has_text="Lea")
    expect(lea.locator("td.channels")).to_contain_text("een oproep en een sms")
    lea.get_by_role("link", name="Bewerken").click()
    page.locator("#urgent_channels").select_option("call")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/bins/{found}/members")
    expect(lea.locator("td.channels")).to_have_text("een oproep")  # her own choice now
    shoot(page, "sms-coordinator-channels")
