"""Small helpers shared by the API tests."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from httpx import Response

from binalert.auth import accounts
from binalert.auth.schemas import AccountInvite, Caller
from binalert.auth.totpkeys import TotpKeys
from binalert.models import Role
from store.db import Store
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


PASSWORD = "correct horse battery staple"


def make_account(
    store: Store,
    email: str,
    role: Role,
    password: str | None = PASSWORD,
    totp_secret: str | None = None,
    keys: TotpKeys | None = None,
    **scope: Any,
) -> int:
    """An account as if invited by an admin and set up through its link (None: only invited);
    a TOTP secret is kept encrypted with `keys`."""
    data = AccountInvite(email=email, display_name=email.split("@")[0], role=role, **scope)
    with store.session() as s:
        link = accounts.invite(s, Caller.operator(), data)
    if password is not None:
        code = pyotp.TOTP(totp_secret).now() if totp_secret else ""
        with store.session() as s:
            accounts.complete_link(s, link.token, password, (totp_secret, code), None, keys)
    return link.account_id


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def page_sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    """Sign in through the page (the client keeps the cookie)."""
    csrf = csrf_of(client.get("/signin").text)
    form = {"csrf_token": csrf, "email": email, "password": password, "next": "/"}
    return client.post("/signin", data=form, follow_redirects=False)
