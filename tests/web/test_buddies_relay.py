"""The neighbour relay end to end (#24), over the lab trunk and in Chromium: an urgent
alert does not reach Anna (she never answers); Bert, her buddy, acknowledges it; once the
alert has ended binalert calls Bert once more, he hears that his neighbour Anna could not
be reached and presses 1; the police's live page (and the API) show that a neighbour is
looking in on her."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from binalert.alerts import service as alerts
from binalert.alerts.schemas import AlertCreate
from binalert.auth.schemas import Caller, Principal
from binalert.buddies import service as buddies
from binalert.buddies.schemas import Proposal
from binalert.models import Alert, Language, Member, Role
from binalert.runtime import Runtime
from ivr.service import DispatcherService
from lab.harness import lab_settings
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.pbx, pytest.mark.timeout(150)]
ZONE = "Brugge"


@pytest.fixture
def runtime(pbx: LabPbx, sqlite_store: Store) -> Runtime:
    # One call each (no retries), a short ring: the alert ends as soon as Anna's call does.
    settings = lab_settings(pbx, sqlite_store, digit_timeout=4, ring_timeout=5, max_attempts=1)
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services.append(DispatcherService(runtime))  # real speech (TtsAudio)
    return runtime


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    yield from serve(runtime)


def _members(store: Store) -> tuple[int, int, int]:
    bin_id = add_bin(
        store,
        "BIN Sint-Kruis",
        ZONE,
        [
            ("Bert Peeters", SIM.PRESS_1.number(61), "nl"),
            ("Anna Janssens", SIM.NO_ANSWER.number(62), "nl"),
        ],
    )
    with store.session() as s:
        bert, anna = (
            s.scalars(select(Member.id).where(Member.name == name)).one()
            for name in ("Bert Peeters", "Anna Janssens")
        )
        s.get(Member, anna).street = "Kerkstraat"  # type: ignore[union-attr]
        # The coordinator proposes the pair (no confirmation call rings anyone in the
        # test: an offer by number asks the neighbour by phone), both agree on their pages.
        coordinator = Caller(
            Principal(token_id=None, name="c", role=Role.COORDINATOR, bin_ids=frozenset({bin_id})),
            None,
        )
        link = buddies.propose(s, coordinator, bin_id, Proposal(buddy_id=bert, neighbour_id=anna))
        buddies.confirm(s, bert, link.id)
        buddies.confirm(s, anna, link.id)
    return bin_id, bert, anna


def _send(runtime: Runtime, bin_id: int) -> int:
    police = Caller(Principal(token_id=None, name="101", role=Role.POLICE, police_zone=ZONE), None)
    data = AlertCreate(
        bin_ids=[bin_id],
        incident_ref="PV-BR-2026-0099",
        messages={Language.NL: "Dringend bericht van de politie. Blijf binnen."},
    )
    with runtime.store.session() as s:
        created, _ = alerts.create(s, police, data, None, runtime.settings)
    return created.id


def test_an_unreached_members_buddy_is_called_presses_1_and_the_police_see_it(
    base: str, runtime: Runtime, page: Page, sqlite_store: Store
) -> None:
    bin_id, bert, anna = _members(sqlite_store)
    sign_in(page, base, person(sqlite_store, Role.POLICE, police_zone=ZONE))
    alert_id = _send(runtime, bin_id)
    page.goto(f"{base}/alerts/{alert_id}")
    page.evaluate("window.__notReloaded = true")
    expect(page.locator("#count-looking-in")).to_have_text("1", timeout=90_000)
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded, not live"
    relay = page.locator("#relays li.relay-looking_in")
    expect(relay).to_contain_text(f"#{anna}")
    expect(relay).to_contain_text("een buur kijkt")
    assert page.locator("#count-relays-ringing").inner_text() == "0"
    row = page.locator("#deliveries tbody tr.st-unreachable")
    expect(row.locator(".looked-in")).to_have_text("· een buur kijkt even binnen")
    assert page.locator("#alert-status").get_attribute("data-status") == "completed"
    shoot(page, "alert-live-neighbour-looking-in")

    shown = page.request.get(f"{base}/api/v1/alerts/{alert_id}/neighbours").json()
    assert shown["looking_in"] == 1 and shown["ringing"] == 0
    [one] = shown["relays"]
    assert (one["member_id"], one["buddy_id"], one["state"]) == (anna, bert, "looking_in")
    with sqlite_store.session() as s:
        relay_alert = s.get(Alert, one["relay_alert_id"])
        assert relay_alert is not None and relay_alert.parent_id == alert_id
        heard = relay_alert.messages["nl"]
    assert "Anna, Kerkstraat" in heard and "Janssens" not in heard
