"""A member on their own page in a real browser (#24): in by a link sent by SMS (read from
the SMS queue, as the lab handset would get it) and by a code read out in a service call (read
from the queued call's text); a new number confirmed by a code texted to it; language and
quiet hours changed, their data seen and downloaded, then they leave; the coordinator sees
every record and who left and how."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from binalert.deliveries import sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Member, Role, ServiceCall, SmsMessage
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    sms_rules.configure(sqlite_store.session_info, SmsConfig(frozenset({"BE"}), 4))
    yield from serve(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))


def _ask(page: Page, base: str, number: str, via: str) -> None:
    page.goto(f"{base}/me")
    page.locator("#number").fill(number)
    page.locator(f"input[name=via][value={via}]").check()
    page.locator("#me-request button[type=submit]").click()


def _newest_sms(store: Store) -> str:
    with store.session() as s:
        return s.scalars(select(SmsMessage.text).order_by(SmsMessage.id.desc())).first() or ""


def _newest_call_code(store: Store) -> str:
    with store.session() as s:
        text = s.scalars(select(ServiceCall.text).order_by(ServiceCall.id.desc())).first()
    found = re.search(r"(\d(?:, \d){5})", text or "")
    assert found, text
    return found.group(1).replace(", ", "")


def test_a_member_opens_their_page_by_link_changes_it_sees_their_data_and_leaves(
    page: Page, base: str, sqlite_store: Store
) -> None:
    bin_id = add_bin(sqlite_store, "BIN Sint-Kruis", "Brugge", [("An Peeters", "0470123456", "nl")])

    # A link by SMS: opened by GET it only shows a button (previews must not use it up).
    _ask(page, base, "0470/12.34.56", "sms")
    expect(page.locator("#me-sent")).to_be_visible()
    link = re.search(r"https?://\S+/me/link/\S+", _newest_sms(sqlite_store))
    assert link, _newest_sms(sqlite_store)
    page.goto(link.group(0))
    page.locator("#me-link button[type=submit]").click()
    expect(page.locator("#my-phone")).to_have_text("0470 12 34 56")
    shoot(page, "member-page")

    page.locator("#my-language select").select_option("fr")
    page.locator("#my-language button[type=submit]").click()
    expect(page.locator("#me-done")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("#quiet-start").fill("22:00")
    page.locator("#quiet-end").fill("07:30")
    page.locator("#my-quiet button[type=submit]").click()
    expect(page.locator("#quiet-start")).to_have_value("22:00")

    page.locator("#my-data").click()
    expect(page.locator("#held-fields")).to_contain_text("0470 12 34 56")
    expect(page.locator("#held-records")).to_contain_text("quiet_hours_changed")
    shoot(page, "member-data")
    with page.expect_download() as download:
        page.locator("#download").click()
    held = json.loads(Path(download.value.path()).read_text())
    assert held["member"]["phone"] == "+32470123456"  # the data as stored: E.164
    assert held["member"]["quiet_start"] == "22:00"

    page.goto(f"{base}/me/leave")
    page.locator("#reason").fill("Verhuis naar Gent")
    page.locator("#me-leave button[type=submit]").click()  # not ticked: nothing happens
    expect(page.locator("#me-leave")).to_be_visible()
    page.locator("#confirm-leave").check()
    page.locator("#me-leave button[type=submit]").click()
    expect(page.locator("#me-left")).to_be_visible()
    with sqlite_store.session() as s:
        assert s.scalars(select(Member)).all() == []
    page.goto(f"{base}/me")  # the cookie finds nobody now
    expect(page.locator("#me-request")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[bin_id]))
    page.goto(f"{base}/bins/{bin_id}/records")
    left = page.locator("#who-left tbody tr")
    expect(left).to_have_count(1)
    expect(left).to_contain_text("An Peeters")
    expect(left).to_contain_text("Verhuis naar Gent")
    expect(page.locator("#records tbody tr")).to_have_count(3)  # language, quiet hours, left
    shoot(page, "member-records")


def test_a_code_read_out_in_a_call_opens_the_page_and_five_wrong_tries_void_it(
    page: Page, base: str, sqlite_store: Store
) -> None:
    add_bin(sqlite_store, "BIN Assebroek", "Brugge", [("Jan Claes", "050 12 34 40", "nl")])
    _ask(page, base, "050123440", "call")
    expect(page.locator("#me-calling")).to_be_visible()
    code = _newest_call_code(sqlite_store)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        page.locator("#code").fill(wrong)
        page.locator("#me-code button[type=submit]").click()
        expect(page.locator("#code-error")).to_be_visible()
    page.locator("#code").fill(code)  # right, but too late: the code is void
    page.locator("#me-code button[type=submit]").click()
    expect(page.locator("#code-error")).to_be_visible()

    _ask(page, base, "050 12 34 40", "call")
    page.locator("#code").fill(_newest_call_code(sqlite_store))
    page.locator("#me-code button[type=submit]").click()
    expect(page.locator("#my-phone")).to_have_text("050 12 34 40")

    # A new number is theirs only once the code sent to it comes back.
    page.locator("#new-number-input").fill("+32 470 99 88 77")
    page.locator("#new-number-via").select_option("sms")
    page.locator("#new-number button[type=submit]").click()
    texted = re.search(r"(\d{6})\.?$", _newest_sms(sqlite_store))
    assert texted, _newest_sms(sqlite_store)
    expect(page.locator("#my-second-phone")).to_have_count(0)
    page.locator("#code").fill(texted.group(1))
    page.locator("#number-code button[type=submit]").click()
    expect(page.locator("#my-second-phone")).to_contain_text("0470 99 88 77")
    with sqlite_store.session() as s:
        assert s.scalars(select(Member.second_phone)).one() == "+32470998877"

    # A stranger's number gets the same answer, and no call.
    with sqlite_store.session() as s:
        calls = len(s.scalars(select(ServiceCall)).all())
    page.context.clear_cookies()
    _ask(page, base, "050 99 88 77", "call")
    expect(page.locator("#me-calling")).to_be_visible()
    with sqlite_store.session() as s:
        assert len(s.scalars(select(ServiceCall)).all()) == calls
