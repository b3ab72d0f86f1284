"""Ids are strict: in JSON a number (never true, "1" or 1.0), in a path or a form digits only.

`"bin_ids": [true]` was once taken as BIN 1 and its members were called."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from binalert.models import Alert, AuditLog, Delivery, Role
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import csrf_of, make_account, page_sign_in
from tests.recordings import speech_wav

HOLIDAY_WATCH = {"subject": "Vakantietoezicht", "template": {"kind": "holiday_watch"}}
TEXTS = {"messages": {"nl": "Verdachte wagen gezien. Blijf binnen."}}
NOT_IDS: list[Any] = [True, False, "1", "01", 1.0, 1.5, None, [1], {"id": 1}]
NOT_ID_TEXTS = ["true", "1.0", "1.5", "+1", "01", "1_0", " 1", "1e0", "²", "0x1"]

Send = Callable[[TestClient, World, Any], Response]


def _alert(client: TestClient, world: World, bin_id: Any) -> Response:
    body = {"bin_ids": [bin_id], "incident_ref": "PV-STRICT", **TEXTS}
    return client.post("/api/v1/alerts", json=body, headers=world.auth("police"))


def _message(client: TestClient, world: World, bin_id: Any) -> Response:
    body = {"bin_ids": [bin_id], **HOLIDAY_WATCH}
    return client.post("/api/v1/messages", json=body, headers=world.auth("police"))


def _recorded(client: TestClient, world: World, bin_id: Any) -> Response:
    """The multipart endpoint: its alert field is the same JSON as POST /api/v1/alerts."""
    body = json.dumps({"bin_ids": [bin_id], "incident_ref": "PV-STRICT"})
    files = {"recording_nl": ("nl.wav", RECORDING[0], "audio/wav")}
    return client.post(
        "/api/v1/alerts/recorded", data={"alert": body}, files=files, headers=world.auth("police")
    )


RECORDING: list[bytes] = []  # the police's recording for the multipart endpoint (made once)


@pytest.fixture(scope="module", autouse=True)
def _recording(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not RECORDING:
        folder = tmp_path_factory.mktemp("recording")
        RECORDING.append(speech_wav(folder, "Blijf binnen.").read_bytes())


JSON_ENDPOINTS: dict[str, Send] = {
    "POST /api/v1/alerts": _alert,
    "POST /api/v1/messages": _message,
    "POST /api/v1/alerts/recorded": _recorded,
}


def _created(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Alert)) or 0,
            s.scalar(select(func.count()).select_from(Delivery)) or 0,
            s.scalar(select(func.count()).select_from(AuditLog)) or 0,
        )


@pytest.mark.parametrize("endpoint", list(JSON_ENDPOINTS))
def test_an_id_in_json_is_a_number_and_nothing_else(
    client: TestClient, world: World, store: Store, endpoint: str
) -> None:
    send = JSON_ENDPOINTS[endpoint]
    before = _created(store)
    for value in NOT_IDS:
        response = send(client, world, value)
        assert response.status_code == 422, (value, response.text)
        body = response.json()
        assert body["error"] == "invalid", (value, body)
        assert "bin_ids.0" in body["message"], (value, body)  # says which field
        assert "integer" in body["message"], (value, body)  # and what it must be
    assert _created(store) == before, "a refused request created something"
    accepted = send(client, world, world.bin_a)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["bin_ids"] == [world.bin_a]
    assert _created(store)[0] == before[0] + 1


def _id_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every API operation with an id in its path, as (method, path), from the OpenAPI
    document (so a new route is in the table by itself)."""
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if re.search(r"\{\w+_id\}", path)
        for method in operations
    ]


def test_an_id_in_a_path_is_digits_only(
    app: FastAPI, client: TestClient, world: World, store: Store
) -> None:
    routes = _id_routes(app)
    assert len(routes) >= 20, routes  # the table covers the API, not a sample
    before = _created(store)
    for method, path in routes:
        for text in NOT_ID_TEXTS:
            url = re.sub(r"\{\w+_id\}", text, path).replace("{language}", "nl")
            response = client.request(method, url, headers=world.auth("admin"), json={})
            assert response.status_code == 422, (method, url, response.text)
            assert "digits only" in response.json()["message"], (method, url)
    assert _created(store) == before
    alert = _alert(client, world, world.bin_a).json()
    ok = client.get(f"/api/v1/alerts/{alert['id']}", headers=world.auth("police"))
    assert ok.status_code == 200


def test_a_resume_point_is_digits_only(client: TestClient, world: World) -> None:
    alert = _alert(client, world, world.bin_a).json()
    path = f"/api/v1/alerts/{alert['id']}/events"
    for text in ("1.0", "true", "-1", "+1"):
        response = client.get(path, params={"after": text}, headers=world.auth("police"))
        assert response.status_code == 422, (text, response.text)
    for inside in ("id: 1", "id:+1", "id:1_0", "id:true"):  # a forged paging cursor
        cursor = base64.urlsafe_b64encode(inside.encode()).decode().rstrip("=")
        response = client.get(
            "/api/v1/bins", params={"cursor": cursor}, headers=world.auth("admin")
        )
        assert response.status_code == 422, (inside, response.text)


POLICE = "agent@politie.example"


def test_a_page_form_with_a_forged_bin_id_is_refused_and_sends_nothing(
    client: TestClient, world: World, store: Store
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    before = _created(store)
    for forged in ("1.0", "+1", "true", " 1", "²"):
        csrf = csrf_of(client.get("/messages/new").text)
        form = {
            "csrf_token": csrf,
            "bin_ids": forged,
            "subject": "Vakantietoezicht",
            "source": "holiday_watch",
            "valid_days": "3",
        }
        response = client.post("/messages", data=form, follow_redirects=False)
        assert response.status_code == 422, (forged, response.text[:300])
        assert "bin_ids" in response.text
    assert _created(store) == before
    csrf = csrf_of(client.get("/messages/new").text)
    form = {
        "csrf_token": csrf,
        "bin_ids": str(world.bin_a),
        "subject": "Vakantietoezicht",
        "source": "holiday_watch",
        "valid_days": "3",
    }
    sent = client.post("/messages", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:300]
    assert _created(store)[0] == before[0] + 1
