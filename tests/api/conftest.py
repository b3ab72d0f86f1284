"""API fixtures: an app on a migrated store (SQLite and PostgreSQL) and a small world of
BINs, members and tokens for every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.clock import utcnow
from binalert.models import Bin, Member, Membership, Role
from binalert.runtime import Runtime
from binalert.settings import Settings
from binalert.tokens import create_token
from store.db import Store

ZONE_1 = "Brugge"
ZONE_2 = "Liège"


@dataclass
class World:
    """bin_a and bin_b in zone 1, bin_c in zone 2; tokens for each role."""

    bin_a: int = 0
    bin_b: int = 0
    bin_c: int = 0
    members: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who != "none" else {}


def api_settings(store: Store, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": store.url,
        "sounds_dir": tmp_path / "sounds",
        "environment": "test",
        "webhook_allow_networks": "127.0.0.0/8",  # the tests' receivers; nothing else
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def runtime(store: Store, tmp_path: Path) -> Runtime:
    return Runtime(settings=api_settings(store, tmp_path), store=store)


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def add_member(
    store: Store, bin_ids: list[int], name: str, phone: str, language: str = "nl", **extra: object
) -> int:
    with store.session() as s:
        member = Member(
            name=name,
            phone=phone,
            language=language,
            opt_in_at=utcnow(),
            created_at=utcnow(),
            **extra,
        )
        s.add(member)
        s.flush()
        for bin_id in bin_ids:
            s.add(Membership(bin_id=bin_id, member_id=member.id))
        return member.id


def build_world(store: Store) -> World:
    world = World()
    with store.session() as s:
        bins = [
            Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone=ZONE_1),
            Bin(name="BIN Assebroek", municipality="Brugge", police_zone=ZONE_1),
            Bin(name="PLP Cointe", municipality="Liège", police_zone=ZONE_2),
        ]
        s.add_all(bins)
        s.flush()
        world.bin_a, world.bin_b, world.bin_c = (b.id for b in bins)
        world.tokens = {
            "admin": create_token(s, Role.ADMIN, "admin"),
            "police": create_token(s, Role.POLICE, "dispatch-101", police_zone=ZONE_1),
            "police2": create_token(s, Role.POLICE, "dispatch-liege", police_zone=ZONE_2),
            "coordinator": create_token(s, Role.COORDINATOR, "coord-a", [world.bin_a]),
            "coordinator_c": create_token(s, Role.COORDINATOR, "coord-c", [world.bin_c]),
        }
    world.members = {
        "an": add_member(store, [world.bin_a], "An", "+3250123456", "nl"),
        "both": add_member(
            store,
            [world.bin_a, world.bin_b],
            "Bernard",
            "+3250123457",
            "fr",
            second_phone="+32470123457",
        ),
        "dieter": add_member(store, [world.bin_a], "Dieter", "+3250123458", "de"),
        "gone": add_member(store, [world.bin_a], "Inactive", "+3250123459", "nl", active=False),
        "cora": add_member(store, [world.bin_c], "Cora", "+3242123456", "fr"),
    }
    return world


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)
