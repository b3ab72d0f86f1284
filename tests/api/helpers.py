"""Small helpers shared by the API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import World


def create_alert(
    client: TestClient, world: World, who: str = "police", **body: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "bin_ids": [world.bin_a],
        "incident_ref": "PV-2026-001",
        "messages": {"nl": "Verdachte wagen gezien. Blijf binnen.", "fr": "Voiture suspecte."},
    }
    payload.update(body)
    response = client.post("/api/v1/alerts", json=payload, headers=world.auth(who))
    assert response.status_code == 202, response.text
    result: dict[str, Any] = response.json()
    return result


def all_items(client: TestClient, path: str, headers: dict[str, str], limit: int = 2) -> list[Any]:
    """Follow `next` cursors to the end."""
    items: list[Any] = []
    cursor = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next"}
        items += body["items"]
        cursor = body["next"]
        if cursor is None:
            return items
    raise AssertionError("paging never ended")
