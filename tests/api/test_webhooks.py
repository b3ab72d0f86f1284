"""Webhooks: jobs queued with the event, signed POSTs, retries with backoff, restarts."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from binalert.runtime import Runtime
from binalert.webhooks import signing
from hooks.sender import SenderOptions, WebhookSender
from store.announce import DELIVERY_EVENTS
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import all_items, create_alert
from tests.api.receiver import Received, webhook_receiver
from tests.api.test_events import run_calls

SECRET = "police-system-secret-0123456789"
FAST = SenderOptions(poll_seconds=0.2, quick_tries=3, quick_wait=0.01, backoff_base=0.05)


def register(client: TestClient, world: World, url: str, who: str = "police") -> int:
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "secret": SECRET}, headers=world.auth(who)
    )
    assert response.status_code == 201, response.text
    assert "secret" not in response.json()
    return int(response.json()["id"])


def verified(request: Received) -> dict[str, Any]:
    timestamp = request.headers[signing.TIMESTAMP_HEADER.lower()]
    given = request.headers[signing.SIGNATURE_HEADER.lower()]
    assert given.startswith("sha256=")
    assert signing.verify(SECRET, timestamp, request.body, given)
    assert abs(int(timestamp) - request.at) < 60  # signed when sent, not replayed
    assert not signing.verify("wrong-secret-wrong-secret", timestamp, request.body, given)
    body: dict[str, Any] = json.loads(request.body)
    return body


def send_round(runtime: Runtime, options: SenderOptions = FAST) -> int:
    async def go() -> int:
        sender = WebhookSender(runtime, options)
        await sender.open()  # no background loop: this round is the only one
        try:
            return await sender.run_once()
        finally:
            await sender.stop()

    return asyncio.run(go())


def jobs(client: TestClient, world: World, hook: int) -> list[dict[str, Any]]:
    return all_items(client, f"/api/v1/webhooks/{hook}/deliveries", world.auth("police"))


def test_ack_and_completion_are_posted_signed(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    with webhook_receiver() as receiver:
        hook = register(client, world, receiver.url)
        other_zone = register(client, world, receiver.url + "/liege", who="police2")
        alert = create_alert(client, world)
        run_calls(store)
        queued = jobs(client, world, hook)
        assert [j["event"] for j in queued] == ["acknowledged", "alert_completed"]
        assert {j["status"] for j in queued} == {"pending"}
        assert send_round(runtime) == 2
        bodies = [verified(r) for r in receiver.requests]
    assert {r.path for r in receiver.requests} == {"/hook"}
    assert [b["event"] for b in sorted(bodies, key=lambda b: b["event_id"])] == [
        "acknowledged",
        "alert_completed",
    ]
    ack = next(b for b in bodies if b["event"] == "acknowledged")
    assert ack["alert_id"] == alert["id"] and ack["data"]["status"] == "acknowledged"
    assert ack["data"]["member_id"] == world.members["an"]
    done = jobs(client, world, hook)
    assert {j["status"] for j in done} == {"delivered"} and all(j["delivered_at"] for j in done)
    assert (
        all_items(client, f"/api/v1/webhooks/{other_zone}/deliveries", world.auth("police2")) == []
    )


def test_failures_are_retried_with_backoff_and_survive_a_restart(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    with webhook_receiver(statuses=[500, 503, 500, 502, 500, 500]) as receiver:
        hook = register(client, world, receiver.url)
        create_alert(client, world)
        run_calls(store)
        send_round(runtime)  # three quick tries for each job, all failing
        first = jobs(client, world, hook)
        assert {j["status"] for j in first} == {"pending"}
        assert [j["tries"] for j in first] == [3, 3]
        assert all("HTTP 50" in j["last_error"] for j in first)
        time.sleep(0.3)  # past the backoff; a new sender (as after a restart) takes over
        send_round(runtime)
        final = jobs(client, world, hook)
        assert {j["status"] for j in final} == {"delivered"}
        assert [j["tries"] for j in final] == [4, 4]
        bodies = [verified(r) for r in receiver.requests]
    assert len(receiver.requests) == 8
    assert sorted({b["event"] for b in bodies}) == ["acknowledged", "alert_completed"]


def test_dead_receiver_ends_failed(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    with webhook_receiver() as receiver:
        url = receiver.url
    hook = register(client, world, url)  # nobody listens there any more
    create_alert(client, world)
    run_calls(store)
    options = SenderOptions(quick_tries=1, quick_wait=0.01, backoff_base=0.01, max_rounds=2)
    send_round(runtime, options)
    time.sleep(0.1)
    send_round(runtime, options)
    final = jobs(client, world, hook)
    assert {j["status"] for j in final} == {"failed"}
    assert all("ConnectError" in j["last_error"] for j in final)


def test_sender_service_runs_in_the_app(world: World, store: Store, runtime: Runtime) -> None:
    sender = WebhookSender(runtime, FAST)
    runtime.services.append(sender)
    with webhook_receiver() as receiver, TestClient(create_app(runtime)) as client:
        assert client.get("/ready").json()["services"][0]["connected"] is True
        register(client, world, receiver.url)
        create_alert(client, world)
        run_calls(store, lambda: runtime.bus.publish(DELIVERY_EVENTS))
        deadline = time.monotonic() + 10
        while len(receiver.requests) < 2 and time.monotonic() < deadline:
            receiver.arrived.wait(0.2)
        assert len(receiver.requests) == 2
    assert sender.health()["connected"] is False


def test_webhook_urls_and_zones_are_checked(client: TestClient, world: World) -> None:
    for url in ("ftp://127.0.0.1/x", "javascript:alert(1)", "file:///etc/passwd", "not a url"):
        response = client.post(
            "/api/v1/webhooks", json={"url": url, "secret": SECRET}, headers=world.auth("police")
        )
        assert response.status_code == 422, url
    short = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1/x", "secret": "x"},
        headers=world.auth("police"),
    )
    assert short.status_code == 422
    elsewhere = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1/x", "secret": SECRET, "police_zone": "Liège"},
        headers=world.auth("police"),
    )
    assert elsewhere.status_code == 422
    gone = register(client, world, "http://127.0.0.1:9/x")
    deleted = client.delete(f"/api/v1/webhooks/{gone}", headers=world.auth("police"))
    assert deleted.status_code == 200 and deleted.json()["active"] is False
