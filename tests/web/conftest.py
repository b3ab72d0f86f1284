"""Browser tests: the real app under uvicorn on a free port, headless Debian Chromium."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from api.app import create_app
from binalert.clock import utcnow
from binalert.models import Bin, Member, Membership, Role
from binalert.phones import parse_phone
from binalert.runtime import Runtime
from lab.pbx import free_port
from store.db import Store
from tests.api.helpers import PASSWORD, make_account

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SIZES = ((1280, 800), (390, 844))

pytestmark = pytest.mark.browser


def serve(runtime: Runtime) -> Iterator[str]:
    """uvicorn in a thread (its lifespan starts the runtime's services); stopped after."""
    port = free_port()
    # As `binalert serve` does: one-time links name the address it listens at (#21 point 11).
    runtime.settings = runtime.settings.model_copy(update={"port": port})
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "uvicorn did not stop"


@contextlib.contextmanager
def launched(extra_args: tuple[str, ...] = ()) -> Iterator[Browser]:
    """Debian's Chromium, headless, with the project's flags (and these), closed afterwards."""
    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra_args])
        try:
            yield found
        finally:
            found.close()


@contextlib.contextmanager
def opened_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (Belgian Dutch, desktop size), closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-BE")
    try:
        found = context.new_page()
        found.set_default_timeout(20_000)
        yield found
    finally:
        context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as found:
        yield found


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with opened_page(browser) as found:
        yield found


def shoot(page: Page, name: str) -> None:
    """Screenshots of the current page at a laptop's and a phone's size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """A person signs in with their e-mail address and password (no code asked)."""
    page.goto(f"{base}/signin")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.locator("#signin-form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def person(store: Store, role: Role, **scope: object) -> str:
    """The e-mail address of a new account of this role, its password set (PASSWORD)."""
    email = f"{role.value}-{len(scope)}@web.example"
    make_account(store, email, role, **scope)
    return email


def add_bin(store: Store, name: str, zone: str, members: list[tuple[str, str, str]]) -> int:
    """A BIN with members (name, national number, language)."""
    with store.session() as s:
        found = Bin(name=name, municipality="Brugge", police_zone=zone)
        s.add(found)
        s.flush()
        for member_name, number, language in members:
            member = Member(
                name=member_name,
                phone=parse_phone(number).e164,
                language=language,
                opt_in_at=utcnow(),
                created_at=utcnow(),
            )
            s.add(member)
            s.flush()
            s.add(Membership(bin_id=found.id, member_id=member.id))
        return found.id


Shoot = Callable[[Page, str], None]
