"""Accounts in a real browser (issue #13): an admin requires a code for the police, invites a
dispatcher (who sets a password and enrols TOTP through the link, then signs in with both and
signs out for real) and a coordinator (disabled, which ends their session; enabled and reset,
which gives them a new link)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from binalert.models import Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings
from tests.api.helpers import PASSWORD
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]
DISPATCHER = "dispatcher@politie.example"
COORDINATOR = "coord@bin.example"


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    yield from serve(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))


@pytest.fixture
def other(browser: Browser) -> Iterator[BrowserContext]:
    """The invitee's own browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-BE")
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


def _row(page: Page, email: str) -> str:
    return page.locator(f"tr[data-email='{email}'] td.status").inner_text()


def _invite(page: Page, base: str, email: str, role: str, **scope: str) -> str:
    page.goto(f"{base}/admin/accounts")
    page.locator("#invite-email").fill(email)
    page.locator("#invite-name").fill(email.split("@")[0].title())
    page.locator("#invite-role").select_option(role)
    if "zone" in scope:
        page.locator("#invite-zone").fill(scope["zone"])
    if "bin" in scope:
        page.locator("#invite-bins").select_option(scope["bin"])
    page.locator("#invite-form button[type=submit]").click()
    link = page.locator("#link-url").input_value()
    assert link.startswith(f"{base}/setup/"), link
    return link


def _set_password(them: Page, link: str, enrol: bool = False) -> pyotp.TOTP | None:
    """Open the link, set the password (and add the shown key to an "app"); the app."""
    them.goto(link)
    them.locator("#password").fill(PASSWORD)
    them.locator("#password_again").fill(PASSWORD)
    app = pyotp.TOTP(them.locator("#totp-secret").input_value()) if enrol else None
    if app is not None:
        them.locator("#code").fill(app.now())
        shoot(them, "account-setup")
    them.locator("#setup-form button[type=submit]").click()
    them.wait_for_url("**/signin?done=true")
    return app


def _password_step(them: Page, base: str, email: str) -> None:
    them.goto(f"{base}/signin")
    them.locator("#email").fill(email)
    them.locator("#password").fill(PASSWORD)
    them.locator("#signin-form button[type=submit]").click()


def test_admin_requires_totp_and_invites_a_dispatcher(
    page: Page, other: BrowserContext, base: str, sqlite_store: Store
) -> None:
    add_bin(sqlite_store, "BIN Sint-Kruis", "Brugge", [])
    sign_in(page, base, person(sqlite_store, Role.ADMIN))
    page.get_by_role("link", name="Accounts").click()
    page.wait_for_url(f"{base}/admin/accounts")
    page.locator("#totp-police").check()
    page.locator("#totp-policy button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/accounts")
    assert page.locator("#totp-police").is_checked()
    assert not page.locator("#totp-coordinator").is_checked()
    link = _invite(page, base, "Dispatcher@Politie.example", "police", zone="Brugge")
    shoot(page, "account-invite-link")

    them = other.new_page()
    them.goto(link)
    assert them.locator("#setup-email").inner_text() == DISPATCHER
    assert them.locator("#totp-uri").input_value().startswith("otpauth://totp/binalert:")
    totp = _set_password(them, link, enrol=True)
    assert totp is not None

    _password_step(them, base, DISPATCHER)
    them.wait_for_url(f"{base}/signin")  # the code page, no session yet
    assert them.locator("#code-form").count() == 1 and them.locator("#totp-secret").count() == 0
    shoot(them, "signin-code")
    them.locator("#code").fill(totp.at(time.time() + 30))  # the next step: never a code twice
    them.locator("#code-form button[type=submit]").click()
    them.wait_for_url(f"{base}/")
    assert them.locator(".who").inner_text() == "Dispatcher"

    kept = other.cookies()
    them.locator("#signout button[type=submit]").click()
    them.wait_for_url(f"{base}/signin")
    other.add_cookies(kept)  # the cookie from before signing out, put back
    them.goto(f"{base}/")
    assert them.url.startswith(f"{base}/signin"), them.url

    page.goto(f"{base}/admin/accounts")
    assert "code" in _row(page, DISPATCHER)
    shoot(page, "accounts")


def test_admin_disables_enables_and_resets_a_coordinator(
    page: Page, other: BrowserContext, base: str, sqlite_store: Store
) -> None:
    bin_id = add_bin(sqlite_store, "BIN Assebroek", "Brugge", [])
    sign_in(page, base, person(sqlite_store, Role.ADMIN))
    page.goto(f"{base}/admin/accounts")
    page.locator("#invite-email").fill(COORDINATOR)
    page.locator("#invite-name").fill("Coord")
    page.locator("#invite-role").select_option("coordinator")
    page.locator("#invite-form button[type=submit]").click()
    assert "--bin" in page.locator("#invite-error").inner_text()  # no BIN chosen
    link = _invite(page, base, COORDINATOR, "coordinator", bin=str(bin_id))

    them = other.new_page()
    _set_password(them, link)
    sign_in(them, base, COORDINATOR)
    assert them.locator("ul.bins li").count() == 1

    page.goto(f"{base}/admin/accounts")
    page.get_by_role("button", name=f"Uitschakelen {COORDINATOR}").click()
    page.wait_for_url(f"{base}/admin/accounts")
    assert "Uitgeschakeld" in _row(page, COORDINATOR)
    them.goto(f"{base}/")
    assert them.url.startswith(f"{base}/signin"), them.url  # the session ended
    _password_step(them, base, COORDINATOR)
    assert them.locator("#signin-error").count() == 1  # and no sign-in while disabled

    page.get_by_role("button", name=f"Inschakelen {COORDINATOR}").click()
    page.wait_for_url(f"{base}/admin/accounts")
    page.get_by_role("button", name=f"Herstellen {COORDINATOR}").click()
    new_link = page.locator("#link-url").input_value()
    assert new_link != link and new_link.startswith(f"{base}/setup/")
    used = them.goto(link)
    assert used is not None and used.status == 404  # the first link is used up
    _set_password(them, new_link)
    sign_in(them, base, COORDINATOR)
