"""Each role against each endpoint (expected status), and BIN scoping (other BINs -> 404)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from binalert.models import Alert, Member, Webhook
from store.db import Store
from tests.api.conftest import World, add_member
from tests.api.helpers import create_alert
from tests.api.test_dial_health import beat

ROLES = ("admin", "police", "coordinator", "none")
_numbers = itertools.count(200000)


def fresh_phone() -> str:
    return f"+3250{next(_numbers):06d}"


@dataclass
class Ctx:
    client: TestClient
    world: World
    store: Store
    alert_id: int
    webhook_id: int

    def new_member(self) -> int:
        return add_member(self.store, [self.world.bin_a], "Tmp", fresh_phone())

    def new_final_alert(self) -> int:
        alert = create_alert(self.client, self.world, "admin")
        cancel = self.client.post(
            f"/api/v1/alerts/{alert['id']}/cancel", headers=self.world.auth("admin")
        )
        assert cancel.status_code == 200
        return int(alert["id"])


Path = Callable[[Ctx], str]
Body = Callable[[Ctx], dict[str, Any]]


def csv_file(_: Ctx) -> dict[str, Any]:
    content = f"name,phone,language\nImported,{fresh_phone()},nl\n".encode()
    return {"files": {"file": ("members.csv", content, "text/csv")}}


def member_json(_: Ctx) -> dict[str, Any]:
    return {"json": {"name": "New", "phone": fresh_phone(), "language": "fr"}}


def alert_json(c: Ctx) -> dict[str, Any]:
    return {"json": {"bin_ids": [c.world.bin_a], "incident_ref": "X", "messages": {"nl": "Test"}}}


def webhook_json(_: Ctx) -> dict[str, Any]:
    return {"json": {"url": "http://127.0.0.1:9/hook", "secret": "s" * 20}}


# (method, path, request kwargs, {role: status})
MATRIX: list[tuple[str, Path, Body | None, dict[str, int]]] = [
    ("GET", lambda c: "/api/v1/bins", None, {"admin": 200, "police": 200, "coordinator": 200}),
    (
        "POST",
        lambda c: "/api/v1/bins",
        lambda c: {"json": {"name": "N", "municipality": "M", "police_zone": "Z"}},
        {"admin": 201, "police": 403, "coordinator": 403},
    ),
    (
        "GET",
        lambda c: f"/api/v1/bins/{c.world.bin_a}",
        None,
        {"admin": 200, "police": 200, "coordinator": 200},
    ),
    (
        "PATCH",
        lambda c: f"/api/v1/bins/{c.world.bin_a}",
        lambda c: {"json": {"name": "Renamed"}},
        {"admin": 200, "police": 403, "coordinator": 403},
    ),
    (
        "POST",
        lambda c: f"/api/v1/bins/{c.world.bin_a}/members",
        member_json,
        {"admin": 201, "police": 403, "coordinator": 201},
    ),
    (
        "GET",
        lambda c: f"/api/v1/bins/{c.world.bin_a}/members",
        None,
        {"admin": 200, "police": 403, "coordinator": 200},
    ),
    (
        "POST",
        lambda c: f"/api/v1/bins/{c.world.bin_a}/members/import",
        csv_file,
        {"admin": 200, "police": 403, "coordinator": 200},
    ),
    (
        "GET",
        lambda c: f"/api/v1/bins/{c.world.bin_a}/members/export",
        None,
        {"admin": 200, "police": 403, "coordinator": 200},
    ),
    (
        "GET",
        lambda c: f"/api/v1/members/{c.world.members['an']}",
        None,
        {"admin": 200, "police": 403, "coordinator": 200},
    ),
    (
        "PATCH",
        lambda c: f"/api/v1/members/{c.world.members['an']}",
        lambda c: {"json": {"name": "An B."}},
        {"admin": 200, "police": 403, "coordinator": 200},
    ),
    (
        "DELETE",
        lambda c: f"/api/v1/members/{c.new_member()}",
        None,
        {"admin": 204, "police": 403, "coordinator": 204},
    ),
    (
        "POST",
        lambda c: "/api/v1/alerts",
        alert_json,
        {"admin": 202, "police": 202, "coordinator": 403},
    ),
    ("GET", lambda c: "/api/v1/alerts", None, {"admin": 200, "police": 200, "coordinator": 200}),
    (
        "GET",
        lambda c: f"/api/v1/alerts/{c.alert_id}",
        None,
        {"admin": 200, "police": 200, "coordinator": 200},
    ),
    (
        "GET",
        lambda c: f"/api/v1/alerts/{c.alert_id}/deliveries",
        None,
        {"admin": 200, "police": 200, "coordinator": 200},
    ),
    (
        "POST",
        lambda c: f"/api/v1/alerts/{create_alert(c.client, c.world, 'admin')['id']}/cancel",
        None,
        {"admin": 200, "police": 200, "coordinator": 403},
    ),
    (
        "GET",
        lambda c: f"/api/v1/alerts/{c.new_final_alert()}/events",
        None,
        {"admin": 200, "police": 200, "coordinator": 403},
    ),
    (
        "GET",
        lambda c: f"/api/v1/alerts/{c.alert_id}/audio/xx",
        None,
        {"admin": 422, "police": 422, "coordinator": 422},
    ),
    (
        "POST",
        lambda c: "/api/v1/webhooks",
        webhook_json,
        {"admin": 201, "police": 201, "coordinator": 403},
    ),
    ("GET", lambda c: "/api/v1/webhooks", None, {"admin": 200, "police": 200, "coordinator": 403}),
    (
        "GET",
        lambda c: f"/api/v1/webhooks/{c.webhook_id}",
        None,
        {"admin": 200, "police": 200, "coordinator": 403},
    ),
    (
        "GET",
        lambda c: f"/api/v1/webhooks/{c.webhook_id}/deliveries",
        None,
        {"admin": 200, "police": 200, "coordinator": 403},
    ),
    (
        "DELETE",
        lambda c: f"/api/v1/webhooks/{c.webhook_id}",
        None,
        {"admin": 200, "police": 200, "coordinator": 403},
    ),
    ("GET", lambda c: "/api/v1/audit", None, {"admin": 200, "police": 403, "coordinator": 403}),
]
OPEN = ["/health", "/ready", "/openapi.json", "/docs"]


@pytest.fixture
def ctx(client: TestClient, world: World, store: Store) -> Ctx:
    alert = create_alert(client, world, "police")
    hook = client.post(
        "/api/v1/webhooks",
        json=webhook_json(None)["json"],  # type: ignore[arg-type]
        headers=world.auth("police"),
    )
    assert hook.status_code == 201
    return Ctx(client, world, store, int(alert["id"]), int(hook.json()["id"]))


def test_role_endpoint_matrix(ctx: Ctx) -> None:
    failures = []
    for method, path, body, expected in MATRIX:
        for role in ROLES:
            want = expected.get(role, 401)
            url = path(ctx)
            kwargs = body(ctx) if body else {}
            response = ctx.client.request(method, url, headers=ctx.world.auth(role), **kwargs)
            if response.status_code != want:
                failures.append(f"{role:11} {method} {url}: {response.status_code} != {want}")
            if response.status_code >= 400:
                error = response.json()
                assert {"status", "error", "message", "error_id"} <= set(error), error
    assert not failures, "\n".join(failures)


def test_open_endpoints_need_no_token(client: TestClient, store: Store) -> None:
    beat(store, interval=3600)  # a live worker, so that /ready is 200 (else 503, still no 401)
    for path in OPEN:
        assert client.get(path).status_code == 200, path


def test_bad_or_revoked_tokens_get_401(client: TestClient, world: World) -> None:
    for header in ("Bearer nope", "Basic abc", "Bearer " + "x" * 500, ""):
        response = client.get("/api/v1/bins", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"


def _other_scope_requests(
    c: Ctx, alert_c: int, hook_2: int
) -> list[tuple[str, str, str, dict[str, Any]]]:
    w = c.world
    cora = w.members["cora"]
    return [
        ("police", "GET", f"/api/v1/bins/{w.bin_c}", {}),
        ("police", "PATCH", f"/api/v1/bins/{w.bin_c}", {"json": {"name": "x"}}),
        ("police", "GET", f"/api/v1/alerts/{alert_c}", {}),
        ("police", "GET", f"/api/v1/alerts/{alert_c}/deliveries", {}),
        ("police", "POST", f"/api/v1/alerts/{alert_c}/cancel", {}),
        ("police", "GET", f"/api/v1/alerts/{alert_c}/events", {}),
        ("police", "GET", f"/api/v1/alerts/{alert_c}/audio/fr", {}),
        (
            "police",
            "POST",
            "/api/v1/alerts",
            {"json": {"bin_ids": [w.bin_a, w.bin_c], "incident_ref": "X", "messages": {"nl": "x"}}},
        ),
        ("police", "GET", f"/api/v1/webhooks/{hook_2}", {}),
        ("police", "DELETE", f"/api/v1/webhooks/{hook_2}", {}),
        ("coordinator", "GET", f"/api/v1/bins/{w.bin_b}", {}),
        ("coordinator", "GET", f"/api/v1/bins/{w.bin_c}", {}),
        ("coordinator", "GET", f"/api/v1/bins/{w.bin_c}/members", {}),
        ("coordinator", "POST", f"/api/v1/bins/{w.bin_c}/members", member_json(c)),
        ("coordinator", "POST", f"/api/v1/bins/{w.bin_c}/members/import", csv_file(c)),
        ("coordinator", "GET", f"/api/v1/bins/{w.bin_c}/members/export", {}),
        ("coordinator", "GET", f"/api/v1/members/{cora}", {}),
        ("coordinator", "PATCH", f"/api/v1/members/{cora}", {"json": {"name": "x"}}),
        ("coordinator", "DELETE", f"/api/v1/members/{cora}", {}),
        ("coordinator", "GET", f"/api/v1/alerts/{alert_c}", {}),
        ("coordinator", "GET", f"/api/v1/alerts/{alert_c}/deliveries", {}),
        ("admin", "GET", "/api/v1/bins/999999", {}),
        ("admin", "GET", "/api/v1/members/999999", {}),
        ("admin", "GET", "/api/v1/alerts/999999", {}),
        (
            "admin",
            "POST",
            "/api/v1/alerts",
            {"json": {"bin_ids": [999999], "incident_ref": "X", "messages": {"nl": "x"}}},
        ),
    ]


def test_other_bins_are_not_found(ctx: Ctx) -> None:
    w = ctx.world
    alert_c = create_alert(ctx.client, w, "police2", bin_ids=[w.bin_c])["id"]
    hook_2 = ctx.client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.invalid/h", "secret": "t" * 20},
        headers=w.auth("police2"),
    ).json()["id"]
    failures = []
    for role, method, url, kwargs in _other_scope_requests(ctx, alert_c, hook_2):
        response = ctx.client.request(method, url, headers=w.auth(role), **kwargs)
        if response.status_code != 404:
            failures.append(f"{role} {method} {url}: {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures)
    with ctx.store.session() as s:  # nothing of the other scope was touched
        assert s.get(Alert, alert_c).status == "active"  # type: ignore[union-attr]
        assert s.get(Member, w.members["cora"]).name == "Cora"  # type: ignore[union-attr]
        assert s.get(Webhook, hook_2).active  # type: ignore[union-attr]


def test_lists_show_only_the_callers_scope(ctx: Ctx) -> None:
    w = ctx.world
    create_alert(ctx.client, w, "police2", bin_ids=[w.bin_c])
    bins = {
        who: {b["id"] for b in ctx.client.get("/api/v1/bins", headers=w.auth(who)).json()["items"]}
        for who in ("admin", "police", "police2", "coordinator", "coordinator_c")
    }
    assert bins["admin"] == {w.bin_a, w.bin_b, w.bin_c}
    assert bins["police"] == {w.bin_a, w.bin_b}
    assert bins["police2"] == {w.bin_c}
    assert bins["coordinator"] == {w.bin_a}
    assert bins["coordinator_c"] == {w.bin_c}
    alerts = {
        who: {
            a["bin_ids"][0]
            for a in ctx.client.get("/api/v1/alerts", headers=w.auth(who)).json()["items"]
        }
        for who in ("admin", "police", "police2", "coordinator_c")
    }
    assert alerts == {
        "admin": {w.bin_a, w.bin_c},
        "police": {w.bin_a},
        "police2": {w.bin_c},
        "coordinator_c": {w.bin_c},
    }
