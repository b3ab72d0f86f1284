"""/ready and /metrics tell whether SMS go out (#22), like a PBX: from the SMS workers'
heartbeats on their link to the SMSC (workers.health.SMS_LINK), wherever they run; the link
is never shown as a PBX. Only where SMS is configured."""

from __future__ import annotations

from fastapi.testclient import TestClient

from binalert.deliveries import sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.workers.health import SMS_LINK
from store.db import Store
from tests.api.conftest import World
from tests.api.test_dial_health import beat


def _metrics(client: TestClient, world: World) -> str:
    return client.get("/metrics", headers=world.auth("admin")).text


def test_a_down_sms_link_shows_in_ready_and_the_metrics(
    client: TestClient, world: World, store: Store
) -> None:
    beat(store)  # calls go out through pbx1
    assert client.get("/ready").status_code == 200  # no SMSC configured: SMS is not asked
    assert "binalert_sms_link_healthy" not in _metrics(client, world)

    sms_rules.configure(store.session_info, SmsConfig())
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["why"] == ["SMS: no worker is sending SMS"]
    assert "binalert_sms_link_healthy 0.0" in _metrics(client, world)

    beat(store, pbx=SMS_LINK)
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["sms"]["healthy"] is True
    assert [p["pbx"] for p in ready.json()["pbxes"]] == ["pbx1"]  # the link is no PBX
    metrics = _metrics(client, world)
    assert "binalert_sms_link_healthy 1.0" in metrics
    assert "binalert_sms_workers_alive 1.0" in metrics
    assert SMS_LINK not in metrics

    beat(store, pbx=SMS_LINK, pbx_healthy=False, reason="the SMSC is unreachable (refused)")
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["why"] == ["SMS: w1: the SMSC is unreachable (refused)"]
