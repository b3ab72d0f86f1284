"""The audit log says who signed in and out, who failed to (never the tried password, the
tried e-mail only as a keyed digest), and which tokens were made and revoked (CLI included);
one-time links start with BINALERT_PUBLIC_URL, never with the request's Host (#21 point 11).
Pages through the test client on SQLite and PostgreSQL; the CLI as a real process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from binalert.models import AuditLog, Role
from binalert.runtime import Runtime
from binalert.settings import Settings
from binalert.tokens import find_token
from store.db import Store
from tests.api.conftest import World, api_settings
from tests.api.helpers import PASSWORD, csrf_of, make_account, page_sign_in
from tests.test_store_and_cli import _cli

ADMIN = "beheer@politie.example"
PUBLIC = "https://binalert.example.be"
FORGED = "evil.example"


def _entries(store: Store, action: str) -> list[AuditLog]:
    with store.session() as s:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        return list(s.scalars(query))


def _whole_log(store: Store) -> str:
    with store.session() as s:
        rows = s.scalars(select(AuditLog))
        return "\n".join(f"{r.actor} {r.action} {r.target} {r.source} {r.detail}" for r in rows)


def _token_sign_in(client: TestClient, token: str) -> int:
    csrf = csrf_of(client.get("/signin").text)
    form = {"csrf_token": csrf, "token": token, "next": "/"}
    return client.post("/signin/token", data=form, follow_redirects=False).status_code


def test_a_failed_sign_in_with_an_unknown_e_mail_is_audited_without_the_password(
    client: TestClient, store: Store, world: World
) -> None:
    tried_password = "Zomer2026!geheim"
    tried_email = "nobody-here@politie.example"
    response = page_sign_in(client, tried_email, tried_password)
    assert response.status_code == 401
    make_account(store, ADMIN, Role.ADMIN)
    assert page_sign_in(client, ADMIN, "wrong " + tried_password).status_code == 401
    again = page_sign_in(client, tried_email.upper(), tried_password)
    assert again.status_code == 401
    failed = _entries(store, "signin.failed")
    assert len(failed) == 3
    unknown, known, unknown_again = failed
    assert unknown.source == "testclient" and unknown.actor == "anonymous"
    assert unknown.target == unknown_again.target  # the same address, recognisably
    assert known.target != unknown.target
    assert re.fullmatch(r"email:[0-9a-f]{16}", unknown.target)
    log = _whole_log(store)
    assert tried_password not in log and "nobody-here" not in log
    assert ADMIN not in " ".join(e.target + str(e.detail) for e in failed)


def test_signing_in_with_a_token_and_signing_out_are_audited(
    client: TestClient, store: Store, world: World
) -> None:
    assert _token_sign_in(client, "bna_not-a-token") == 401
    [refused] = _entries(store, "signin.failed")
    assert refused.detail == {"with": "token"} and "bna_" not in _whole_log(store)
    assert _token_sign_in(client, world.tokens["police"]) == 303
    with store.session() as s:
        token = find_token(s, world.tokens["police"])
        assert token is not None
        token_id = token.id
    [signed_in] = _entries(store, "token.signin")
    assert signed_in.target == f"token:{token_id}" and signed_in.actor.endswith(f"#{token_id}")
    csrf = csrf_of(client.get("/").text)
    assert client.post("/signout", data={"csrf_token": csrf}).status_code in (200, 303)
    [signed_out] = _entries(store, "signout")
    assert signed_out.actor == signed_in.actor and signed_out.source == "testclient"


def test_a_person_signing_out_is_audited(client: TestClient, store: Store, world: World) -> None:
    make_account(store, ADMIN, Role.ADMIN)
    assert page_sign_in(client, ADMIN, PASSWORD).status_code == 303
    csrf = csrf_of(client.get("/").text)
    client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    [signed_out] = _entries(store, "signout")
    assert ADMIN in signed_out.actor and signed_out.target == "web"


@pytest.mark.timeout(120)
def test_the_cli_audits_tokens_it_creates_and_revokes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("db", "upgrade", db=db).returncode == 0
    made = _cli("token", "create", "--role", "police", "--name", "ci", "--zone", "Brugge", db=db)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    revoked = _cli("token", "revoke", "ci", db=db)
    assert revoked.returncode == 0, revoked.stderr
    store = Store(db)
    try:
        created, gone = _entries(store, "token.create"), _entries(store, "token.revoke")
        assert [(e.actor, e.source) for e in created + gone] == [("admin:cli", "cli")] * 2
        assert created[0].target == gone[0].target and created[0].target.startswith("token:")
        assert created[0].detail == {
            "name": "ci",
            "role": "police",
            "police_zone": "Brugge",
            "bin_ids": [],
            "expires_at": None,
        }
        assert token not in _whole_log(store) and token[4:20] not in _whole_log(store)
    finally:
        store.dispose()


# -- links start with the configured public address -------------------------------------------


@pytest.fixture
def public_client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    settings = api_settings(store, tmp_path, public_url=PUBLIC)
    # An https public address makes the session cookie Secure: the client speaks https too.
    app = create_app(Runtime(settings=settings, store=store))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _invite_link(client: TestClient, store: Store) -> str:
    make_account(store, ADMIN, Role.ADMIN)
    assert page_sign_in(client, ADMIN, PASSWORD).status_code == 303
    csrf = csrf_of(client.get("/admin/accounts").text)
    form = {
        "csrf_token": csrf,
        "email": "nieuw@politie.example",
        "display_name": "Nieuw",
        "role": "admin",
    }
    page = client.post("/admin/accounts", data=form, headers={"Host": FORGED})
    assert page.status_code == 200, page.text
    found = re.search(r"https?://[^\s\"<]+/setup/[A-Za-z0-9_-]+", page.text)
    assert found is not None, page.text
    return found.group(0)


def test_an_invitation_link_starts_with_the_public_url_whatever_the_host(
    public_client: TestClient, store: Store, world: World
) -> None:
    link = _invite_link(public_client, store)
    assert link.startswith(f"{PUBLIC}/setup/") and FORGED not in link


def test_without_a_public_url_a_link_names_the_servers_own_address_not_the_host(
    client: TestClient, store: Store, world: World
) -> None:
    link = _invite_link(client, store)
    assert link.startswith("http://127.0.0.1:8000/setup/") and FORGED not in link


def test_production_requires_a_public_url(store: Store, tmp_path: Path) -> None:
    strong = {
        "environment": "production",
        "session_secret": "s" * 40,
        "ami_secret": "a" * 40,
        "database_url": store.url,
        "sounds_dir": tmp_path,
    }
    with pytest.raises(ValueError, match="BINALERT_PUBLIC_URL"):
        Settings(**strong)  # type: ignore[arg-type]
    assert Settings(**strong, public_url=PUBLIC).public_url == PUBLIC  # type: ignore[arg-type]
