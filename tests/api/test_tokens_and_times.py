"""Issue #13, points 1-2: machine tokens expire, are revoked, remember their last use (at most
one write a minute), and a revoked token's page sessions end; pages show Brussels time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from binalert.errors import Conflict, NotFound
from binalert.models import Alert, ApiToken, Role
from binalert.tokens import create_token, revoke_token
from store.db import Store
from tests.api.conftest import World
from tests.api.helpers import PASSWORD, csrf_of, make_account, page_sign_in


def _token(store: Store, name: str, **options: object) -> str:
    with store.session() as s:
        return create_token(s, Role.ADMIN, name, **options)  # type: ignore[arg-type]


def _row(store: Store, name: str) -> ApiToken:
    with store.session() as s:
        return s.scalars(select(ApiToken).where(ApiToken.name == name)).one()


def test_expired_and_revoked_tokens_are_refused(
    client: TestClient, store: Store, world: World
) -> None:
    token = _token(store, "ci", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/bins", headers=headers).status_code == 200
    expires = _row(store, "ci").expires_at
    assert expires is not None and timedelta(hours=23) < expires - datetime.now(UTC)
    with store.session() as s:
        s.get(ApiToken, _row(store, "ci").id).expires_at = datetime.now(UTC)  # type: ignore[union-attr]
    assert client.get("/api/v1/bins", headers=headers).status_code == 401

    headers = {"Authorization": f"Bearer {_token(store, 'old')}"}
    with store.session() as s:
        assert revoke_token(s, "old").name == "old"
    assert client.get("/api/v1/bins", headers=headers).status_code == 401
    with pytest.raises(NotFound), store.session() as s:
        revoke_token(s, "old")  # already revoked


def test_revoke_by_name_needs_one_live_token(store: Store, world: World) -> None:
    _token(store, "twin")
    _token(store, "twin")
    with pytest.raises(Conflict, match="give the id"), store.session() as s:
        revoke_token(s, "twin")


def test_last_use_is_written_at_most_once_a_minute(
    client: TestClient, store: Store, world: World
) -> None:
    headers = {"Authorization": f"Bearer {_token(store, 'poller')}"}
    assert _row(store, "poller").last_used_at is None
    client.get("/api/v1/bins", headers=headers)
    first = _row(store, "poller").last_used_at
    assert first is not None
    client.get("/api/v1/bins", headers=headers)
    assert _row(store, "poller").last_used_at == first  # no write per request
    with store.session() as s:
        s.get(ApiToken, _row(store, "poller").id).last_used_at = first - timedelta(minutes=2)  # type: ignore[union-attr]
    client.get("/api/v1/bins", headers=headers)
    later = _row(store, "poller").last_used_at
    assert later is not None and later > first - timedelta(minutes=1)


def test_revoking_a_token_ends_its_page_sessions(
    client: TestClient, store: Store, world: World
) -> None:
    token = _token(store, "lab")
    csrf = csrf_of(client.get("/signin").text)
    client.post("/signin/token", data={"csrf_token": csrf, "token": token})
    assert client.get("/", follow_redirects=False).status_code == 200
    with store.session() as s:
        revoke_token(s, "lab")
    assert client.get("/", follow_redirects=False).status_code == 303


def _alert_at(store: Store, bin_id: int, when: datetime) -> None:
    with store.session() as s:
        s.add(
            Alert(
                created_by="police:test",
                created_at=when,
                incident_ref=f"PV-{when:%m%d}",
                bin_ids=[bin_id],
                messages={"nl": "Test"},
                valid_from=when,
                valid_until=when + timedelta(hours=1),
                status="completed",
            )
        )


def test_pages_show_times_in_brussels(client: TestClient, store: Store, world: World) -> None:
    _alert_at(store, world.bin_a, datetime(2026, 7, 1, 22, 30, tzinfo=UTC))  # summer: +2
    _alert_at(store, world.bin_a, datetime(2026, 1, 15, 12, 5, tzinfo=UTC))  # winter: +1
    make_account(store, "admin@bin.example", Role.ADMIN)
    assert page_sign_in(client, "admin@bin.example", PASSWORD).status_code == 303
    home = client.get("/").text
    cells = re.findall(r"<td>(\d{4}-\d\d-\d\d \d\d:\d\d)</td>", home)
    assert "2026-07-02 00:30" in cells and "2026-01-15 13:05" in cells, cells
    report = client.get(f"/bins/{world.bin_a}/reports").text
    assert "2026-07-02 00:30" in report and "02/07" in report
