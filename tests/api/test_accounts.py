"""Issue #13, points 1-3 and 13: people sign in with an e-mail and a password (TOTP where their
role requires it), wrong passwords slow one account down, sessions end on the server, and
accounts name real BINs. Pages through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from api.web import session as web_session
from api.web.signing import sign, unsign
from binalert.auth import accounts, sessions, signin
from binalert.auth.schemas import AccountInvite, Caller
from binalert.clock import utcnow
from binalert.errors import Invalid, NotFound
from binalert.models import Account, AuditLog, Role, WebSession
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import PASSWORD, csrf_of, make_account, page_sign_in

POLICE = "dispatcher@politie.example"


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def _use_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set(web_session.COOKIE, value)


def _sign_out(client: TestClient) -> None:
    csrf = csrf_of(client.get("/").text)
    client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)


def test_people_sign_in_with_email_and_password(
    client: TestClient, store: Store, world: World
) -> None:
    with store.session() as s:
        invite = AccountInvite(
            email=" Dispatcher@Politie.Example ",
            display_name="An",
            role=Role.POLICE,
            police_zone=ZONE_1,
        )
        link = accounts.invite(s, Caller.operator(), invite)
    setup = client.get(f"/setup/{link.token}")
    assert setup.status_code == 200 and POLICE in setup.text  # the e-mail, normalised
    form = {"csrf_token": csrf_of(setup.text), "password": PASSWORD, "password_again": PASSWORD}
    done = client.post(f"/setup/{link.token}", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/signin")
    assert client.get(f"/setup/{link.token}").status_code == 404  # a link works once

    wrong = page_sign_in(client, POLICE, "not the password at all")
    unknown = page_sign_in(client, "nobody@politie.example", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = 'id="signin-error">'
    assert wrong.text.split(message)[1][:80] == unknown.text.split(message)[1][:80]
    assert not _signed_in(client)

    assert page_sign_in(client, POLICE.upper(), PASSWORD).status_code == 303
    home = client.get("/")
    assert home.status_code == 200 and 'class="who">An<' in home.text
    with store.session() as s:
        actors = list(s.scalars(select(AuditLog.actor).where(AuditLog.action == "account.signin")))
    assert actors and all(POLICE in actor for actor in actors)  # the audit log names the account


def test_five_wrong_passwords_slow_down_that_account_only(store: Store, world: World) -> None:
    victim = "victim@politie.example"
    make_account(store, victim, Role.POLICE, police_zone=ZONE_1)
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    now = utcnow()

    def attempt(email: str, password: str, seconds: float) -> bool:
        with store.session() as s:
            at = now + timedelta(seconds=seconds)
            return signin.check_password(s, email, password, at, "198.51.100.1") is not None

    for i in range(5):
        assert not attempt(victim, "wrong password!", i)
    assert not attempt(victim, PASSWORD, 5)  # right, but within the 30 s wait
    assert attempt(POLICE, PASSWORD, 5)  # another account is not slowed down
    for i in range(20):  # strangers (from elsewhere) lock nobody
        with store.session() as s:
            at, stranger = now + timedelta(seconds=5), "203.0.113.1"
            assert signin.check_password(s, f"nobody{i}@x.example", "guess", at, stranger) is None
    assert not attempt(victim, "wrong again!", 36)  # after the wait: the 6th wrong one
    assert not attempt(victim, PASSWORD, 80)  # now the wait is 60 s
    assert attempt(victim, PASSWORD, 97)  # right password after the wait: in
    with store.session() as s:
        found = s.scalars(select(Account).where(Account.email == victim)).one()
        assert found.failed_logins == 0 and found.locked_until is None


def test_a_role_that_requires_totp_enrols_then_signs_in_with_a_code(
    client: TestClient, store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    with store.session() as s:
        accounts.require_totp(s, Caller.operator(), Role.POLICE, True)
    step = page_sign_in(client, POLICE)
    assert step.status_code == 200 and not _signed_in(client)  # no session before the code
    secret = re.search(r'id="totp-secret" type="text" readonly value="([A-Z2-7]+)"', step.text)
    assert secret is not None and "otpauth://totp/" in step.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', step.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf_of(step.text), "ticket": ticket, "code": "000000"}
    assert client.post("/signin/code", data=form).status_code == 401
    form["code"] = code = pyotp.TOTP(secret.group(1)).now()
    assert client.post("/signin/code", data=form, follow_redirects=False).status_code == 303
    assert _signed_in(client)
    _sign_out(client)

    again = page_sign_in(client, POLICE)  # enrolled now: the code page asks only for a code
    assert again.status_code == 200 and "totp-secret" not in again.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', again.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf_of(again.text), "ticket": ticket, "code": code}
    assert client.post("/signin/code", data=form).status_code == 401  # a code works once
    assert not _signed_in(client)


def test_sign_out_ends_the_session_on_the_server(
    client: TestClient, store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    page_sign_in(client, POLICE)
    copied = client.cookies[web_session.COOKIE]
    assert client.get("/api/v1/bins").status_code == 200  # the cookie reads the API too
    _sign_out(client)
    _use_cookie(client, copied)  # the old cookie, kept by someone
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/signin")
    _use_cookie(client, copied)
    assert client.get("/api/v1/bins").status_code == 401
    with store.session() as s:
        rows = list(s.scalars(select(WebSession)))
    assert len(rows) == 1 and rows[0].ended_at is not None
    with store.session() as s:
        assert sessions.purge(s, utcnow() - timedelta(days=1)) == 0
        assert sessions.purge(s, utcnow() + timedelta(seconds=1)) == 1


def test_disabling_and_resetting_an_account_end_its_sessions(
    client: TestClient, store: Store, world: World, runtime: Runtime
) -> None:
    account_id = make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    page_sign_in(client, POLICE)
    assert _signed_in(client)
    with store.session() as s:
        accounts.disable(s, Caller.operator(), account_id)
    assert not _signed_in(client)
    assert page_sign_in(client, POLICE).status_code == 401
    with store.session() as s:
        accounts.enable(s, Caller.operator(), account_id)
    page_sign_in(client, POLICE)
    assert _signed_in(client)
    with store.session() as s:
        link = accounts.reset(s, Caller.operator(), account_id)
    assert not _signed_in(client)
    assert page_sign_in(client, POLICE).status_code == 401  # the old password is gone
    new = "a brand new passphrase"
    with store.session() as s:
        accounts.complete_link(s, link.token, new, (None, ""), None)
    assert page_sign_in(client, POLICE, new).status_code == 303


def test_a_forged_session_cookie_is_refused(
    client: TestClient, store: Store, world: World, runtime: Runtime
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    page_sign_in(client, POLICE)
    real = client.cookies[web_session.COOKIE]
    value = unsign(runtime.settings, web_session.PURPOSE, real, web_session.MAX_AGE)
    assert value is not None and value["sid"]
    other = runtime.settings.model_copy(update={"session_secret": SecretStr("x" * 40)})
    forged = sign(other, web_session.PURPOSE, value)
    tampered = real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB")
    for cookie in (forged, tampered, "", "garbage", real.replace(".", "", 1)):
        _use_cookie(client, cookie)
        assert not _signed_in(client), cookie
    _use_cookie(client, real)
    assert _signed_in(client)


def test_accounts_name_existing_bins_and_a_police_zone(store: Store, world: World) -> None:
    def invite(role: Role, **scope: object) -> None:
        with store.session() as s:
            data = AccountInvite(email="c@bin.example", display_name="C", role=role, **scope)
            accounts.invite(s, Caller.operator(), data)

    with pytest.raises(Invalid, match="no BIN 999"):
        invite(Role.COORDINATOR, bin_ids=[world.bin_a, 999])
    with pytest.raises(Invalid, match="--bin"):
        invite(Role.COORDINATOR)
    with pytest.raises(Invalid, match="--zone"):
        invite(Role.POLICE)
    invite(Role.COORDINATOR, bin_ids=[world.bin_a])
    with store.session() as s:
        assert s.scalars(select(Account.bin_ids)).one() == [world.bin_a]


def test_links_expire_and_are_replaced(store: Store, world: World) -> None:
    account_id = make_account(store, POLICE, Role.POLICE, password=None, police_zone=ZONE_1)
    with store.session() as s:
        first = accounts.reset(s, Caller.operator(), account_id)
        second = accounts.reset(s, Caller.operator(), account_id)
    with pytest.raises(NotFound), store.session() as s:
        accounts.open_link(s, first.token)  # replaced by the second
    assert second.expires_at - utcnow() > timedelta(hours=71)
    with pytest.raises(Invalid, match="12 characters"), store.session() as s:
        accounts.complete_link(s, second.token, "short", (None, ""), None)


def test_the_admin_pages_are_for_admins(client: TestClient, store: Store, world: World) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    page_sign_in(client, POLICE)
    assert client.get("/admin/accounts").status_code == 403
    csrf = csrf_of(client.get("/").text)
    form = {"csrf_token": csrf, "totp_police": "on"}
    assert client.post("/admin/totp", data=form).status_code == 403
    with store.session() as s:
        assert not accounts.totp_required(s, "police")
