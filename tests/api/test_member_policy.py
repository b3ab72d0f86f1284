"""Toll fraud and volume: numbers only of the countries an admin allows (never satellite or
premium rate), imports and BINs of a bounded size an admin can raise."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import World, api_settings


def _post(client: TestClient, world: World, phone: str) -> int:
    return client.post(
        f"/api/v1/bins/{world.bin_a}/members",
        json={"name": "X", "phone": phone},
        headers=world.auth("coordinator"),
    ).status_code


@pytest.mark.parametrize(
    ("phone", "status"),
    [
        ("+33 1 42 68 53 00", 201),  # France: a neighbour
        ("+31 20 624 1111", 201),  # the Netherlands
        ("+352 27 12 34 56", 201),  # Luxembourg
        ("+1 212 555 0199", 422),  # the United States: not allowed by default
        ("+44 20 7946 0958", 422),  # the United Kingdom
        ("+881 6 3212 3456", 422),  # a satellite network (no country)
        ("0903 12 345", 422),  # Belgian premium rate
    ],
)
def test_only_numbers_of_allowed_countries(
    client: TestClient, world: World, phone: str, status: int
) -> None:
    assert _post(client, world, phone) == status


def test_an_admin_can_allow_another_country(store: Store, tmp_path: Path, world: World) -> None:
    settings = api_settings(store, tmp_path, phone_countries="BE,GB")
    with TestClient(create_app(Runtime(settings, store))) as client:
        assert _post(client, world, "+44 20 7946 0958") == 201
        assert _post(client, world, "+33 1 42 68 53 00") == 422


def test_imports_and_bins_have_a_size_an_admin_can_raise(
    store: Store, tmp_path: Path, world: World
) -> None:
    settings = api_settings(store, tmp_path, max_import_rows=2, max_members_per_bin=6)
    rows = "name,phone\nA,050 11 11 01\nB,050 11 11 02\nC,050 11 11 03\n"
    with TestClient(create_app(Runtime(settings, store))) as client:
        response = client.post(
            f"/api/v1/bins/{world.bin_a}/members/import",
            files={"file": ("m.csv", rows.encode(), "text/csv")},
            headers=world.auth("coordinator"),
        )
        assert response.status_code == 422 and "at most 2" in response.json()["message"]
        two = "name,phone\nA,050 11 11 01\nB,050 11 11 02\n"
        response = client.post(
            f"/api/v1/bins/{world.bin_a}/members/import",
            files={"file": ("m.csv", two.encode(), "text/csv")},
            headers=world.auth("coordinator"),
        )
        assert response.status_code == 200  # the world's BIN had 4 (one inactive): now 6
        assert _post(client, world, "050 11 11 04") == 422  # a 7th member
