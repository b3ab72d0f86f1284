"""/ready, /metrics and the police's alert page judge every PBX from the heartbeats of the
processes that dial through it (binalert.workers), wherever they run: an API without a live
worker is not ready, a stale heartbeat is a dead worker, a worker that cannot speak holds
the calls, and the page says why. (tests/ivr/test_worker_health.py: with real workers.)"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from binalert.clock import utcnow
from binalert.models import Role
from binalert.workers import repository
from binalert.workers.health import DialerReport
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import create_alert, csrf_of, make_account, page_sign_in

POLICE = "agent@politie.example"


def beat(
    store: Store,
    worker: str = "w1",
    pbx: str = "pbx1",
    age: float = 0.0,
    pbx_healthy: bool = True,
    speech_healthy: bool = True,
    reason: str | None = None,
    interval: float = 1.0,
) -> None:
    """A heartbeat as a worker writes it, `age` seconds ago (every `interval` s)."""
    seen = utcnow() - timedelta(seconds=age)
    report = DialerReport(worker, pbx, pbx_healthy, speech_healthy, reason, seen, interval)
    with store.session() as s:
        repository.beat(s, [report])


def _metric(client: TestClient, world: World, line: str) -> bool:
    return line in client.get("/metrics", headers=world.auth("admin")).text


def test_an_api_without_a_live_worker_is_not_ready_and_names_the_pbx(
    client: TestClient, world: World, store: Store
) -> None:
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["why"] == ["PBX pbx1: no worker is dialling through PBX pbx1"]
    assert _metric(client, world, 'binalert_pbx_healthy{pbx="pbx1"} 0.0')
    assert _metric(client, world, 'binalert_dialers_alive{pbx="pbx1"} 0.0')

    beat(store)
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.json()
    [pbx] = ready.json()["pbxes"]
    assert pbx["healthy"] is True and pbx["workers"][0]["worker"] == "w1"
    assert _metric(client, world, 'binalert_pbx_healthy{pbx="pbx1"} 1.0')

    beat(store, age=3.5)  # three intervals and a half without a heartbeat: dead
    ready = client.get("/ready")
    assert ready.status_code == 503
    [pbx] = ready.json()["pbxes"]
    assert pbx["held"] == "no_worker" and "w1" in pbx["reason"]
    assert pbx["workers"][0]["alive"] is False


def test_one_live_worker_that_can_call_is_enough_for_a_pbx(
    client: TestClient, world: World, store: Store
) -> None:
    beat(store, "w1", pbx_healthy=False, reason="the phone system is unreachable (refused)")
    assert client.get("/ready").status_code == 503
    beat(store, "w2")
    assert client.get("/ready").status_code == 200
    beat(store, "w2", age=10)
    body = client.get("/ready").json()
    assert body["why"] == ["PBX pbx1: w1: the phone system is unreachable (refused)"]
    assert body["pbxes"][0]["held"] == "pbx_unreachable"


def test_a_pbx_a_worker_reports_on_is_judged_even_if_this_process_does_not_know_it(
    client: TestClient, store: Store
) -> None:
    beat(store, "w1")
    beat(store, "w1", pbx="pbx2", pbx_healthy=False, reason="the phone system is unreachable")
    body = client.get("/ready").json()
    assert [(p["pbx"], p["healthy"]) for p in body["pbxes"]] == [("pbx1", True), ("pbx2", False)]
    assert body["ready"] is False


def test_a_worker_that_cannot_speak_holds_the_calls_and_the_page_says_why(
    client: TestClient, world: World, store: Store
) -> None:
    mute = "speech engine failing (espeak-ng nl: No such file or directory)"
    beat(store, speech_healthy=False, reason=mute)
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["pbxes"][0]["held"] == "speech_failing"
    assert "espeak-ng" in ready.json()["why"][0]
    assert _metric(client, world, 'binalert_speech_healthy{pbx="pbx1"} 0.0')
    assert _metric(client, world, 'binalert_pbx_healthy{pbx="pbx1"} 0.0')

    alert = create_alert(client, world)
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    page = client.get(f"/alerts/{alert['id']}").text
    assert 'id="calls-held"' in page
    assert "Calls are held: the speech engine is failing." in page

    beat(store, pbx_healthy=False, speech_healthy=False, reason="unreachable")
    fragment = client.get(f"/alerts/{alert['id']}/live").text
    assert "Calls are held: the phone system is unreachable." in fragment
    assert "speech engine" not in fragment  # the first thing to fix, not both

    form = {"csrf_token": csrf_of(page), "lang": "nl", "next": "/"}
    assert client.post("/language", data=form, follow_redirects=False).status_code == 303
    dutch = client.get(f"/alerts/{alert['id']}/live").text
    assert "Oproepen staan stil: de telefooncentrale is onbereikbaar." in dutch

    beat(store)  # a worker that can call: nothing is held
    assert 'id="calls-held"' not in client.get(f"/alerts/{alert['id']}/live").text


def test_no_worker_is_said_on_the_page_too(client: TestClient, world: World, store: Store) -> None:
    alert = create_alert(client, world)
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    page = client.get(f"/alerts/{alert['id']}/live").text
    assert "Calls are held: no worker is dialling." in page
