"""What police and coordinators see and choose of SMS (#22): the SMS text per language in
the preview (encoding, parts, refused over the maximum), channels in the member API, CSV and
the BIN's defaults, and each member's SMS on the alert's deliveries, counts, reports and
webhooks. The SMS go through the lifecycle's own steps (as the SMS worker drives them)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.alerts.stand_in import STAND_IN
from binalert.auth.schemas import Caller
from binalert.clock import utcnow
from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Delivery, MemberRecord, SmsMessage, WebhookDelivery
from binalert.reports.service import bin_report
from store.db import Store
from tests.api.conftest import World, add_member
from tests.api.helpers import create_alert

MOBILE = "+32470998877"
# Nothing of the database's own in these: SQLite only (the counts and previews run on both)
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
VEHICLE = {
    "kind": "suspect_vehicle",
    "make": "Volkswagen Golf",
    "colour": "grey",
    "plate": "1-abc-234",
    "direction": "de Markt",
}


def _sms_member(store: Store, world: World, language: str = "nl", **extra: Any) -> int:
    """An SMS member of BIN A (SMS configured for this store)."""
    sms_rules.configure(store.session_info, SmsConfig(frozenset({"BE"})))
    extra.setdefault("urgent_channels", "sms")
    return add_member(store, [world.bin_a], "Sam", MOBILE, language, **extra)


def _preview(client: TestClient, world: World, **body: Any) -> Any:
    payload = {"bin_ids": [world.bin_a], "incident_ref": "PV-SMS"} | body
    return client.post("/api/v1/alerts/preview", json=payload, headers=world.auth("police"))


def test_the_preview_shows_each_languages_sms_written_out_with_encoding_and_parts(
    client: TestClient, world: World, store: Store
) -> None:
    _sms_member(store, world)
    shown = _preview(client, world, template=VEHICLE, languages=["nl", "fr"])
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["sms_members"] == 1
    sms = {s["language"]: s for s in body["sms"]}
    nl = sms["nl"]
    assert nl["text"].startswith("Dringend bericht van de lokale politie Brugge voor het ")
    assert "buurtinformatienetwerk BIN Sint-Kruis" in nl["text"]
    assert "nummerplaat 1-ABC-234" in nl["text"]  # the plate in full, as on the call
    assert nl["text"].count("101") == 1 and "Bij nood: bel 112." in nl["text"]
    assert nl["text"].endswith("Antwoord dan met 1.")
    assert (nl["encoding"], nl["parts"], nl["refused"]) == ("gsm7", 3, None)
    assert sms["fr"]["text"].endswith("Répondez par 1.") and sms["fr"]["encoding"] == "gsm7"
    typed = _preview(client, world, messages={"fr": "Fermez portes et fenêtres, ça suffit."})
    fr = typed.json()["sms"][0]
    assert (fr["encoding"], fr["parts"]) == ("ucs2", 4)  # ê and ç: UCS-2, 67 a part


def test_an_sms_over_the_parts_allowed_is_refused_at_the_preview_when_anyone_is_texted(
    client: TestClient, world: World, store: Store
) -> None:
    long_french = {"fr": ("Fenêtre fermée, reçu. " * 45)[:1000]}
    emoji = {"nl": "Politie ter plaatse \U0001f694, blijf binnen."}
    assert create_alert(client, world, messages=emoji)["sms_texts"] == {}  # the calls go
    nobody_texted = _preview(client, world, messages=long_french)
    assert nobody_texted.status_code == 200  # the calls go out: only the SMS would be too long
    assert re.search(
        r"needs \d\d parts, more than the 8 allowed", nobody_texted.json()["sms"][0]["refused"]
    )
    _sms_member(store, world, "fr")
    refused = _preview(client, world, messages=long_french)
    assert refused.status_code == 422
    message = refused.json()["message"]
    assert "goes by SMS to 1 members" in message and "UCS-2" in message, message
    assert "shorten it by about" in message
    unfit = _preview(client, world, messages=emoji)
    assert unfit.status_code == 422 and "cannot be sent by SMS" in unfit.json()["message"]
    sent = client.post(
        "/api/v1/alerts",
        json={"bin_ids": [world.bin_a], "incident_ref": "PV", "messages": long_french},
        headers=world.auth("police"),
    )
    assert sent.status_code == 422  # refused when sent as well


@SQLITE_ONLY
def test_a_recorded_message_needs_its_sms_text_when_the_alert_texts_anyone(
    client: TestClient, world: World, store: Store
) -> None:
    member = _sms_member(store, world)
    recorded = {"nl": STAND_IN["nl"]}  # what a recorded language keeps as its text
    missing = _preview(client, world, messages=recorded)
    assert missing.status_code == 422
    assert "give its SMS text (sms_texts) in nl" in missing.json()["message"]
    typed = "Inbraak in de Kerkstraat. Blijf binnen en sluit uw deuren."
    alert = create_alert(client, world, messages=recorded, sms_texts={"nl": typed})
    assert typed in alert["sms_texts"]["nl"]
    with store.session() as s:
        call, phone = s.execute(
            select(Delivery.call, Delivery.sms_phone).where(
                Delivery.alert_id == alert["id"], Delivery.member_id == member
            )
        ).one()
        queued = s.scalar(select(SmsMessage.text).where(SmsMessage.alert_id == alert["id"]))
    assert (call, phone) == (False, MOBILE)
    assert queued is not None and typed in queued


def _texted_alert(client: TestClient, world: World, store: Store) -> tuple[dict[str, Any], int]:
    """An alert to BIN A's members and an SMS member who got the SMS, a receipt, and
    replied 1."""
    member = _sms_member(store, world)
    with store.session() as s:
        s.execute(
            WebhookDelivery.__table__.delete()  # type: ignore[attr-defined]
        )
    alert = create_alert(client, world, messages=None, template=VEHICLE, languages=["nl", "fr"])
    now = utcnow() + timedelta(seconds=1)
    with store.session() as s:
        (claimed,) = lifecycle.claim_sms(s, now, 10, "sms-worker")
        assert claimed.phone == MOBILE and claimed.parts == 3
    with store.session() as s:
        lifecycle.sms_sent(s, claimed.id, ["m1", "m2", "m3"], now)
    return alert, member


def test_the_alerts_deliveries_and_counts_show_sms_sent_delivered_and_acknowledged(
    client: TestClient, world: World, store: Store
) -> None:
    alert, member = _texted_alert(client, world, store)
    police = world.auth("police")
    path = f"/api/v1/alerts/{alert['id']}"

    def mine() -> dict[str, Any]:
        rows = client.get(f"{path}/deliveries", headers=police).json()["items"]
        return next(r for r in rows if r["member_id"] == member)

    sent = client.get(path, headers=police).json()["stats"]["sms"]
    assert sent == {
        "by_status": {"sent": 1},
        "parts": 3,
        "acknowledged": 0,
        "texted_only": 1,
    }  # not delivered
    assert (mine()["call"], mine()["sms_status"], mine()["sms_parts"]) == (False, "sent", 3)
    with store.session() as s:
        for message_id in ("m1", "m2", "m3"):
            lifecycle.record_receipt(s, message_id, "DELIVRD", utcnow())
    assert mine()["sms_status"] == "delivered"
    with store.session() as s:
        assert lifecycle.handle_reply(s, "32470998877", "ja", utcnow()) == "ack"
    row = mine()
    assert (row["status"], row["acknowledged_by"]) == ("acknowledged", "sms")
    stats = client.get(path, headers=police).json()["stats"]
    assert stats["acknowledged"] == 1  # an SMS acknowledgement counts as acknowledged
    assert stats["sms"] == {
        "by_status": {"delivered": 1},
        "parts": 3,
        "acknowledged": 1,
        "texted_only": 1,
    }
    with store.session() as s:
        report = bin_report(s, Caller.operator(), world.bin_a)
    row_of_alert = next(r for r in report.alerts if r.alert_id == alert["id"])
    assert (row_of_alert.sms, row_of_alert.sms_parts, row_of_alert.sms_delivered) == (1, 3, 1)
    assert (row_of_alert.acknowledged_by_sms, report.sms_parts) == (1, 3)
    with store.session() as s:
        hooks = [j.event for j in s.scalars(select(WebhookDelivery))]
    assert hooks == [] or "sms_delivered" in hooks  # only with a webhook subscribed


@SQLITE_ONLY
def test_sms_outcomes_and_sms_acknowledgements_reach_the_webhooks(
    client: TestClient, world: World, store: Store
) -> None:
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.be/binalert", "secret": "s" * 30},
        headers=world.auth("police"),
    )
    assert hook.status_code == 201, hook.text
    alert, _member = _texted_alert(client, world, store)
    with store.session() as s:
        lifecycle.record_receipt(s, "m1", "UNDELIV", utcnow())
    with store.session() as s:
        jobs = [(j.event, j.payload) for j in s.scalars(select(WebhookDelivery))]
    failed = [p for event, p in jobs if event == "sms_failed"]
    assert len(failed) == 1 and failed[0]["alert_id"] == alert["id"]
    assert failed[0]["data"]["sms_status"] == "undeliverable"


@SQLITE_ONLY
def test_channels_in_the_member_api_are_strict_and_kept_as_records(
    client: TestClient, world: World, store: Store
) -> None:
    coordinator = world.auth("coordinator")
    made = client.post(
        f"/api/v1/bins/{world.bin_a}/members",
        json={"name": "Tine", "phone": "0470 11 22 33", "urgent_channels": "both"},
        headers=coordinator,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["urgent_channels"], body["message_channels"], body["sms_stopped_at"]) == (
        "both",
        None,
        None,
    )
    for bad in ("SMS", "fax", "", 1):
        refused = client.post(
            f"/api/v1/bins/{world.bin_a}/members",
            json={"name": "X", "phone": "0470 11 22 34", "urgent_channels": bad},
            headers=coordinator,
        )
        assert refused.status_code == 422, bad
    path = f"/api/v1/members/{body['id']}"
    patched = client.patch(path, json={"message_channels": "sms"}, headers=coordinator)
    assert patched.json()["message_channels"] == "sms"
    back = client.patch(path, json={"urgent_channels": None}, headers=coordinator)
    assert back.json()["urgent_channels"] is None  # the BIN's default again
    with store.session() as s:
        kept = s.scalars(select(MemberRecord).where(MemberRecord.member_id == body["id"])).all()
    assert [(r.kind, r.channel) for r in kept] == [("channels_changed", "coordinator")] * 2
    assert kept[-1].detail == {"urgent_channels": None}


@SQLITE_ONLY
def test_channels_go_through_csv_import_and_export(
    client: TestClient, world: World, store: Store
) -> None:
    text = (
        "name,phone,urgent_channels,message_channels\n"
        "An,0470 55 66 77,sms,\nBo,050 11 22 33,,both\n"
    )
    files = {"file": ("members.csv", text.encode(), "text/csv")}
    coordinator = world.auth("coordinator")
    url = f"/api/v1/bins/{world.bin_a}/members/import"
    imported = client.post(url, files=files, headers=coordinator)
    assert imported.status_code == 200, imported.text
    bad = {
        "file": ("m.csv", b"name,phone,urgent_channels\nCy,0470 55 66 78,sms-only\n", "text/csv")
    }
    assert client.post(url, files=bad, headers=coordinator).status_code == 422
    exported = client.get(f"/api/v1/bins/{world.bin_a}/members/export", headers=coordinator).text
    lines = exported.splitlines()
    assert lines[0].endswith(",urgent_channels,message_channels")
    assert any(line.startswith("An,") and line.endswith(",sms,") for line in lines)
    assert any(line.startswith("Bo,") and line.endswith(",,both") for line in lines)


@SQLITE_ONLY
def test_the_bins_coordinator_sets_its_default_channels_and_sms_fallback(
    client: TestClient, world: World, store: Store
) -> None:
    url = f"/api/v1/bins/{world.bin_a}/channels"
    body = {"urgent_channels": "both", "sms_fallback": True}
    assert client.put(url, json=body, headers=world.auth("police")).status_code == 403
    assert (
        client.put(
            url, json={"urgent_channels": "pigeon"}, headers=world.auth("coordinator")
        ).status_code
        == 422
    )
    other = f"/api/v1/bins/{world.bin_c}/channels"
    assert client.put(other, json=body, headers=world.auth("coordinator")).status_code == 404
    saved = client.put(url, json=body, headers=world.auth("coordinator"))
    assert saved.status_code == 200, saved.text
    assert (saved.json()["urgent_channels"], saved.json()["message_channels"]) == ("both", "call")
    assert saved.json()["sms_fallback"] is True
    member = add_member(store, [world.bin_a], "Mo", MOBILE, "nl")
    sms_rules.configure(store.session_info, SmsConfig(frozenset({"BE"})))
    alert = create_alert(client, world)
    with store.session() as s:
        call, phone = s.execute(
            select(Delivery.call, Delivery.sms_phone).where(
                Delivery.alert_id == alert["id"], Delivery.member_id == member
            )
        ).one()
    assert (call, phone) == (True, MOBILE)  # the BIN's default: both


@SQLITE_ONLY
def test_a_message_is_texted_as_a_message_to_members_who_want_messages_by_sms(
    client: TestClient, world: World, store: Store
) -> None:
    member = _sms_member(store, world, urgent_channels="call", message_channels="sms")
    sent = client.post(
        "/api/v1/messages",
        json={
            "bin_ids": [world.bin_a],
            "subject": "Inbraakpreventie",
            "messages": {"nl": "Sluit uw ramen als u weggaat."},
        },
        headers=world.auth("police"),
    )
    assert sent.status_code == 202, sent.text
    text = sent.json()["sms_texts"]["nl"]
    assert text.startswith("Bericht van de lokale politie Brugge")  # not "Dringend"
    assert "Informatie voor de politie? Bel 101." in text and text.endswith("met 1.")
    with store.session() as s:
        call, phone = s.execute(
            select(Delivery.call, Delivery.sms_phone).where(Delivery.member_id == member)
        ).one()
    assert (call, phone) == (False, MOBILE)
