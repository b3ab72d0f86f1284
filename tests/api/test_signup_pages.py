"""The sign-up pages without a browser (#24): a renewed link stops the old one, a wrong link
is a plain 404, the form needs its CSRF token and shows each wrong field in the person's
language, and a coordinator sees only their own BINs' sign-up pages and flyers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from binalert.models import Role, Signup
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import api_settings, build_world
from tests.api.helpers import csrf_of, make_account, page_sign_in

pytestmark = pytest.mark.timeout(60)


def _signed_in(client: TestClient, email: str) -> str:
    """Sign in through the page; the signed-in session's CSRF token."""
    assert page_sign_in(client, email).status_code == 303
    return csrf_of(client.get("/").text)


def test_the_link_the_form_and_the_coordinators_scope(sqlite_store: Store, tmp_path: Path) -> None:
    world = build_world(sqlite_store)
    make_account(sqlite_store, "coord@web.example", Role.COORDINATOR, bin_ids=[world.bin_a])
    app = create_app(Runtime(settings=api_settings(sqlite_store, tmp_path), store=sqlite_store))
    with TestClient(app) as coordinator, TestClient(app) as visitor:
        csrf = _signed_in(coordinator, "coord@web.example")
        assert "signup-link" not in coordinator.get(f"/bins/{world.bin_a}/signups").text
        links = []
        for _ in range(2):
            coordinator.post(f"/bins/{world.bin_a}/signups/link", data={"csrf_token": csrf})
            page = coordinator.get(f"/bins/{world.bin_a}/signups").text
            found = re.search(r'id="signup-link">[^<]*(/join/[A-Za-z0-9_-]+)<', page)
            assert found is not None
            links.append(found.group(1))
        first, link = links
        assert first != link
        assert visitor.get(first).status_code == 404  # the renewed link stops the old one
        assert visitor.get("/join/" + "x" * 32).status_code == 404
        assert visitor.get(f"/join/{world.bin_a}").status_code == 404  # never the BIN's id
        flyer = coordinator.get(f"/bins/{world.bin_a}/flyer")
        assert flyer.status_code == 200 and "<svg" in flyer.text

        form = visitor.get(link, headers={"Accept-Language": "fr-BE"})
        assert "Ce que vous acceptez" in form.text
        data = {"name": "Anne", "phone": "0900 12 345", "language": "fr", "channels": "call"}
        assert visitor.post(link, data=data).status_code == 403  # no CSRF token
        answer = visitor.post(link, data=data | {"csrf_token": csrf_of(form.text)})
        assert answer.status_code == 422
        assert "Ce n&#39;est pas un numéro que nous pouvons appeler" in answer.text
        assert "Vous ne pouvez vous inscrire que si vous êtes d&#39;accord" in answer.text

        for path in (f"/bins/{world.bin_c}/signups", f"/bins/{world.bin_c}/flyer"):
            assert coordinator.get(path).status_code == 404, path
        refused = coordinator.post(f"/bins/{world.bin_c}/signups/link", data={"csrf_token": csrf})
        assert refused.status_code == 404
    with sqlite_store.session() as s:
        assert s.scalars(select(Signup)).first() is None
