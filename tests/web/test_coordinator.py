"""A coordinator in a real browser: the acknowledgement chart, CSV import with a bad row shown
before anything is saved, member export, and 404 for another BIN's pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page

from binalert.clock import utcnow
from binalert.models import Alert, Delivery, Member, Membership, Role
from binalert.runtime import Runtime
from lab.sim import SIM
from store.db import Store
from tests.api.conftest import api_settings
from tests.web.conftest import add_bin, person, serve, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture
def base(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    yield from serve(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))


def past_alert(store: Store, bin_id: int, days_ago: int, acked: int) -> None:
    """A finished alert where the first `acked` members of the BIN pressed 1."""
    start = utcnow() - timedelta(days=days_ago)
    with store.session() as s:
        alert = Alert(
            created_by="police:test",
            created_at=start,
            incident_ref=f"PV-{days_ago}",
            bin_ids=[bin_id],
            messages={"nl": "Test"},
            valid_from=start,
            valid_until=start + timedelta(hours=1),
            status="completed",
            completed_at=start + timedelta(minutes=10),
        )
        s.add(alert)
        s.flush()
        members = s.query(Member).join(Membership).filter(Membership.bin_id == bin_id).all()
        for i, member in enumerate(sorted(members, key=lambda m: m.id)):
            ok = i < acked
            s.add(
                Delivery(
                    alert_id=alert.id,
                    member_id=member.id,
                    status="acknowledged" if ok else "unreachable",
                    language=member.language,
                    phones=[member.phone],
                    attempts=1 if ok else 3,
                    last_outcome="answered" if ok else "no_answer",
                    acknowledged_at=start + timedelta(seconds=40 + 10 * i) if ok else None,
                )
            )


def test_coordinator_reports_import_export_and_scope(
    page: Page, base: str, sqlite_store: Store, tmp_path: Path
) -> None:
    an, benoit, cas, dora = SIM.PRESS_1.numbers(4, start=41)
    members = [("An", an, "nl"), ("Benoît", benoit, "fr"), ("Cas", cas, "nl")]
    bin_a = add_bin(sqlite_store, "BIN Sint-Kruis", "Brugge", members)
    bin_c = add_bin(sqlite_store, "PLP Cointe", "Liège", [("Cora", "042123456", "fr")])
    for days_ago, acked in ((9, 1), (5, 2), (1, 3)):
        past_alert(sqlite_store, bin_a, days_ago, acked)
    sign_in(page, base, person(sqlite_store, Role.COORDINATOR, bin_ids=[bin_a]))
    shoot(page, "coordinator-home")

    page.goto(f"{base}/bins/{bin_a}/reports")
    assert page.locator("#ack-chart rect.bar").count() == 3
    assert "100%" in (page.locator("#ack-chart desc").text_content() or "")
    assert page.locator("#follow-up tbody tr").count() == 2  # Benoît and Cas missed calls
    shoot(page, "reports")

    page.goto(f"{base}/bins/{bin_a}/members")
    shoot(page, "members")
    page.get_by_role("link", name="CSV importeren").click()
    csv = f"name,phone,language\nDora,{dora},nl\nEmile,12345,fr\n"
    page.get_by_label("CSV-bestand").set_input_files(
        files=[FilePayload(name="leden.csv", mimeType="text/csv", buffer=csv.encode())]
    )
    page.locator("form.card button[type=submit]").click()
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text() == "3"  # Emile's row
    shoot(page, "members-import-errors")
    page.goto(f"{base}/bins/{bin_a}/members")
    assert page.locator("table tbody tr").count() == 3  # nothing was saved

    page.get_by_role("link", name="Lid toevoegen").click()
    page.get_by_label("Naam", exact=True).fill("Dora")
    page.get_by_label("Telefoon", exact=True).fill("12345")
    page.locator("form.card button[type=submit]").click()
    assert page.locator("#phone-error").count() == 1  # the API's phone rule, shown inline
    page.get_by_label("Telefoon", exact=True).fill("050/10.00.44")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"{base}/bins/{bin_a}/members")
    dora = page.locator("table tbody tr", has_text="Dora")
    dora.get_by_role("button", name="Deactiveren Dora").click()
    assert "inactive" in (dora.get_attribute("class") or "")
    dora.get_by_role("link", name="Wissen Dora").click()
    page.locator("form button.danger").click()
    page.wait_for_url(f"{base}/bins/{bin_a}/members")
    assert page.locator("table tbody tr", has_text="Dora").count() == 0

    with page.expect_download() as download:
        page.locator("#export").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.splitlines()[0].startswith("name,phone")
    assert "Benoît" in exported and SIM.PRESS_1.e164(43) in exported

    for path in (f"/bins/{bin_c}/members", f"/bins/{bin_c}/reports", f"/bins/{bin_c}/members.csv"):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 404, path
    shoot(page, "not-found")
