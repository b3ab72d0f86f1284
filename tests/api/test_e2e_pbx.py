"""End to end with the real lab Asterisk: a police token sends a template alert to a BIN of
simulated members in four languages; the SSE stream shows the calls and acknowledgements as
they happen; a local webhook receiver gets signed acknowledgements and the completion;
the alert ends completed with the right counts. API, dialer and webhook sender run in one
process, as `binalert serve` runs them."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.models import Role
from binalert.runtime import Runtime
from binalert.tokens import create_token
from hooks.sender import SenderOptions, WebhookSender
from ivr.service import DispatcherService
from lab.harness import lab_settings
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store
from tests.api.receiver import webhook_receiver
from tests.api.test_events import read_stream
from tests.api.test_webhooks import SECRET, verified

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(240)]

MEMBERS = [  # (name, number of a simulated member, language)
    ("Annick", SIM.PRESS_1.number(21), "nl"),
    ("Benoît", SIM.PRESS_1.number(22), "fr"),
    ("Dagmar", SIM.PRESS_2_THEN_1.number(23), "de"),  # the replay, then 1
    ("Emily", SIM.BUSY_THEN_PRESS_1.number(24), "en"),  # acknowledges on the retry
    ("Frank", SIM.BUSY.number(25), "nl"),  # always busy: unreachable
]


def _tokens(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {
            "admin": create_token(s, Role.ADMIN, "admin"),
            "police": create_token(s, Role.POLICE, "dispatch-101", police_zone="Brugge"),
        }


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_ready(client: TestClient, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, client.get("/ready").json()
        time.sleep(0.2)


def _setup_bin(client: TestClient, admin: dict[str, str]) -> int:
    created = client.post(
        "/api/v1/bins",
        json={"name": "BIN Sint-Kruis", "municipality": "Brugge", "police_zone": "Brugge"},
        headers=admin,
    )
    bin_id = int(created.json()["id"])
    rows = "\n".join(f"{name},{phone},{lang}" for name, phone, lang in MEMBERS)
    imported = client.post(
        f"/api/v1/bins/{bin_id}/members/import",
        files={"file": ("m.csv", f"name,phone,language\n{rows}\n".encode(), "text/csv")},
        headers=admin,
    )
    assert imported.status_code == 200, imported.text
    return bin_id


def _send_alert(client: TestClient, police: dict[str, str], bin_id: int) -> dict[str, Any]:
    template = {
        "kind": "suspect_vehicle",
        "make": "Volkswagen Golf",
        "colour": "grijs",
        "plate": "1-ABC-123",
        "direction": "Gent",
    }
    response = client.post(
        "/api/v1/alerts",
        json={"bin_ids": [bin_id], "incident_ref": "PV-E2E", "template": template},
        headers=police | {"Idempotency-Key": "e2e-1"},
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_police_alert_end_to_end(pbx: LabPbx, sqlite_store: Store) -> None:
    settings = lab_settings(
        pbx, sqlite_store, digit_timeout=4, retry_delays="2", webhook_allow_networks="127.0.0.0/8"
    )
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services += [
        DispatcherService(runtime),  # real speech from tts/
        WebhookSender(runtime, SenderOptions(poll_seconds=0.5, quick_wait=0.05)),
    ]
    tokens = _tokens(sqlite_store)
    police = _headers(tokens["police"])
    with webhook_receiver() as receiver, TestClient(create_app(runtime)) as client:
        _wait_ready(client, 30)
        hook = client.post(
            "/api/v1/webhooks", json={"url": receiver.url, "secret": SECRET}, headers=police
        )
        assert hook.status_code == 201
        alert = _send_alert(client, police, _setup_bin(client, _headers(tokens["admin"])))
        started = time.monotonic()
        events = read_stream(client, f"/api/v1/alerts/{alert['id']}/events", police)
        streamed_for = time.monotonic() - started
        deadline = time.monotonic() + 20
        while len(receiver.requests) < 5 and time.monotonic() < deadline:
            receiver.arrived.wait(0.5)
            receiver.arrived.clear()
        final = client.get(f"/api/v1/alerts/{alert['id']}", headers=police).json()
        deliveries = client.get(f"/api/v1/alerts/{alert['id']}/deliveries", headers=police).json()[
            "items"
        ]

    kinds = [e["event"] for e in events]
    assert kinds.count("acknowledged") == 4, kinds
    assert kinds.count("call_started") >= 7  # five first calls, retries for the busy lines
    assert kinds[-1] == "alert_completed"
    assert streamed_for > 3  # the events arrived while the calls happened
    first_ack = kinds.index("acknowledged")
    assert "call_started" in kinds[:first_ack]

    bodies = [verified(r) for r in receiver.requests]
    assert sorted(b["event"] for b in bodies) == ["acknowledged"] * 4 + ["alert_completed"]

    assert final["status"] == "completed"
    stats = final["stats"]
    assert stats["by_status"] == {"acknowledged": 4, "unreachable": 1}
    assert stats["acknowledgement_rate"] == 0.8
    assert stats["seconds_to_first_ack"] is not None and stats["seconds_to_first_ack"] > 0
    assert stats["by_outcome"].get("busy") == 1
    languages = sorted(d["language"] for d in deliveries)
    assert languages == ["de", "en", "fr", "nl", "nl"]
    busy_first = next(d for d in deliveries if d["language"] == "en")
    assert busy_first["status"] == "acknowledged" and busy_first["attempts"] >= 2
